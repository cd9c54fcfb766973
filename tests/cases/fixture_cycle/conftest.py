import pytest


@pytest.fixture
def z(x):
    return x
