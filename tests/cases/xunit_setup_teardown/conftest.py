import pytest


@pytest.fixture(autouse=True)
def conftest_auto():
    return "conftest"
