import pytest


@pytest.fixture
def a():
    return 1
