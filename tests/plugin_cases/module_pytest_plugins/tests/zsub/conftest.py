import pytest


@pytest.fixture(scope="session")
def demo_config():
    return {"from": "sub"}
