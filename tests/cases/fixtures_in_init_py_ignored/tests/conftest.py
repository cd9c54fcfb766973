import pytest


@pytest.fixture
def conftest_fixture():
    return "conftest"
