import pytest


@pytest.fixture
def level(level):
    return level + 1
