import pytest


@pytest.fixture
def a():
    return "a"


@pytest.fixture
def b():
    return "b"
