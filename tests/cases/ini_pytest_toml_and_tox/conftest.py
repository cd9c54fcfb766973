import pytest


@pytest.fixture
def from_pytest_toml():
    return "pytest.toml"


@pytest.fixture
def from_tox():
    return "tox.ini"


@pytest.fixture
def db():
    return "db"
