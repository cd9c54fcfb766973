import pytest


@pytest.fixture(scope="module")
def seed():
    return 10


@pytest.fixture
def number(seed):
    return seed


@pytest.fixture(scope="session")
def config():
    return {}
