import pytest


@pytest.fixture
def connection_string():
    return "sqlite://"


@pytest.fixture(scope="session")
def engine(connection_string):
    return connection_string


@pytest.fixture(scope="session")
def settings():
    return {}


@pytest.fixture(scope="package")
def package_cache(settings):
    return settings
