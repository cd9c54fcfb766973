import pytest


@pytest.fixture
def env_name():
    return "default"


@pytest.fixture(autouse=True)
def setup_env(env_name):
    return env_name
