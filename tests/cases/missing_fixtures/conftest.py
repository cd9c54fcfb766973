import pytest


@pytest.fixture
def present():
    return 1


@pytest.fixture
def wrapper(present, absent_dep):
    return present
