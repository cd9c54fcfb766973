import pytest


@pytest.fixture
def base_fixture():
    return "base"
