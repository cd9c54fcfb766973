import pytest


@pytest.fixture
def provided():
    return "provided"


def test_provider(provided):
    pass
