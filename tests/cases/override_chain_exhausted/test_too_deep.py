import pytest


@pytest.fixture
def level(level):
    return level + 1


def test_level(level):
    pass
