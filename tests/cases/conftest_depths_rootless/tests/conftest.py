import pytest


@pytest.fixture
def client():
    return "base-client"
