import pytest


@pytest.fixture
def init_fixture():
    return "init"
