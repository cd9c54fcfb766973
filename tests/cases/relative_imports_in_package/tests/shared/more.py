import pytest


@pytest.fixture
def extra_fixture(base_fixture):
    return base_fixture + "+extra"


@pytest.fixture
def hidden_fixture():
    return "hidden"
