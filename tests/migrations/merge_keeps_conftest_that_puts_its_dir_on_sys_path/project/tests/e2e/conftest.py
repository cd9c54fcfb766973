import pytest


@pytest.fixture
def base_url():
    return "http://localhost"
