import pytest

pytest_plugins = ["plugins.overrides"]


@pytest.fixture
def capsys():
    return "conftest-capsys"
