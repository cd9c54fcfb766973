import pytest


@pytest.fixture
def redis_client():
    return "staging redis"
