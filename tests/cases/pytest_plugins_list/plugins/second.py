import pytest


@pytest.fixture
def shared():
    return "second"


@pytest.fixture
def from_second():
    return 2
