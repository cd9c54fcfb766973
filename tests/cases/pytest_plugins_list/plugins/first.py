import pytest


@pytest.fixture
def shared():
    return "first"


@pytest.fixture
def from_first():
    return 1
