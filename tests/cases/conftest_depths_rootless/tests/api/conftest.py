import pytest


@pytest.fixture
def client(client):
    return client + "/api"


@pytest.fixture(scope="module")
def api_token():
    return "token"
