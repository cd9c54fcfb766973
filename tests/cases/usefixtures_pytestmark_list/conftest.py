import pytest


@pytest.fixture
def first():
    return 1


@pytest.fixture
def second():
    return 2


@pytest.fixture
def third():
    return 3


@pytest.fixture
def top():
    return "top"


@pytest.fixture
def bottom():
    return "bottom"
