import pytest


@pytest.fixture
def mode_dep():
    return "dep"


@pytest.fixture
def mode(mode_dep):
    return "fixture"


@pytest.fixture
def level():
    return 0
