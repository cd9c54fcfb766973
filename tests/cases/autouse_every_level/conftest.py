import pytest


@pytest.fixture(autouse=True)
def root_b():
    return "b"


@pytest.fixture(autouse=True)
def root_a():
    return "a"
