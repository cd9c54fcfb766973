import pytest


@pytest.fixture
def database_url():
    return "sqlite://"
