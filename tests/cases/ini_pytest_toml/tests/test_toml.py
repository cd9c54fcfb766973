import pytest


@pytest.fixture
def local():
    return "local"


def test_toml(local):
    pass
