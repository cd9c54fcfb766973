import pytest


@pytest.fixture
def ini_first():
    return 1


@pytest.fixture
def ini_second():
    return 2


@pytest.fixture(autouse=True)
def conftest_auto():
    return 3
