import pytest


@pytest.fixture
def layer():
    return "root"


@pytest.fixture(scope="session")
def root_only():
    return "root_only"
