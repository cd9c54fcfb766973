import pytest


@pytest.fixture
def legacy_client():
    return "legacy"
