import pytest

pytest_plugins = ["fixmig_demo._shared"]


@pytest.fixture(scope="session")
def demo_config():
    return {"from": "local"}


@pytest.fixture
def local_value(demo_shared, demo_config):
    return demo_shared
