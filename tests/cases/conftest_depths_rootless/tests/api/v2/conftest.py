import pytest


@pytest.fixture
def client(client, api_token):
    return client + "/v2"
