"""Staging end-to-end fixtures."""
import pytest


@pytest.fixture(scope="session")
def staging_services_fixture():
    """Service endpoints of the staging environment."""
    return {"backend": "https://staging.example.invalid", "auth": "token"}


@pytest.fixture
def staging_llm_fixture():
    return "staging-llm"
