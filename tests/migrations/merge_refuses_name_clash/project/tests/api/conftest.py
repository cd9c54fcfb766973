import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "api: api tests")


@pytest.fixture
def db():
    return "postgres"


@pytest.fixture
def api(db):
    return db + "-api"
