import pytest


@pytest.fixture
def values(base):
    return base


@pytest.fixture
def base():
    return 0
