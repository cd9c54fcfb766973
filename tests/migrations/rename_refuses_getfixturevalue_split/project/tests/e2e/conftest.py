import pytest


@pytest.fixture
def api_client():
    return "e2e"
