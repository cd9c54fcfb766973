import pytest

__all__ = ["token", "other"]


@pytest.fixture
def token():
    return "t"


@pytest.fixture
def other():
    return "o"
