import pytest


@pytest.fixture
def client():
    return "client"


@pytest.fixture
def legacy_client():
    return "legacy"


@pytest.fixture
def session(legacy_client):
    return [legacy_client]
