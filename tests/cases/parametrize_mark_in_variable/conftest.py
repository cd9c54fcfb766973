import pytest


@pytest.fixture
def method(base):
    return base


@pytest.fixture
def base():
    return 0
