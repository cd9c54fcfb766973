import pytest


@pytest.fixture(scope="session")
def llm_client():
    return "llm"
