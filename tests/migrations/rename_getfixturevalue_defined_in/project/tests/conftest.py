import pytest


@pytest.fixture
def api_client():
    return "root"
