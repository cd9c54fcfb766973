import pytest


@pytest.fixture
def from_ini():
    return "ini"


@pytest.fixture
def db():
    return "db"
