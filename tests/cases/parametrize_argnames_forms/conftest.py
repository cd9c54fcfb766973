import pytest


@pytest.fixture
def y():
    return "fixture"


@pytest.fixture
def other():
    return "other"
