import pytest


@pytest.fixture
def e2e_env():
    return "e2e"
