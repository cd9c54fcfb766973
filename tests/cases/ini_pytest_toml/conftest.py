import pytest


@pytest.fixture
def from_pytest_toml():
    return "toml"
