import pytest


@pytest.fixture
def client():
    return "client"
