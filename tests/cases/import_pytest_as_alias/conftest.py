import pytest as pt


@pt.fixture
def alpha():
    return 1


@pt.fixture(scope="module")
def beta():
    return 2
