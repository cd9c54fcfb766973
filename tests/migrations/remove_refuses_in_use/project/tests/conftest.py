import pytest


@pytest.fixture
def client():
    return "client"


@pytest.fixture
def legacy_client():
    return "legacy"
