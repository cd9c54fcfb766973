import pytest

pytest_plugins = ["plugins.first", "plugins.second"]


@pytest.fixture
def shared():
    return "conftest"
