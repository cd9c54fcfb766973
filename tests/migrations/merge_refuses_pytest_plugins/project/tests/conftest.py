import pytest

pytest_plugins = ["tests.plugin"]


@pytest.fixture
def value():
    return 1
