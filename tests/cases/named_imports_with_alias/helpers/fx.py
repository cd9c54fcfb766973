import pytest


@pytest.fixture
def alpha():
    return "a"


@pytest.fixture
def beta():
    return "b"


@pytest.fixture(name="delta")
def named_delta():
    return "d"
