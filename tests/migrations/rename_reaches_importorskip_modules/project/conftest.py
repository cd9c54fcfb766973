import pytest


@pytest.fixture
def frame():
    return [1.0]
