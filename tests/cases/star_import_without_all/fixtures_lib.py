import pytest


@pytest.fixture
def database():
    return "db"


@pytest.fixture(scope="session")
def session_store():
    return {}


@pytest.fixture
def _private_helper():
    return "hidden"
