import pytest


@pytest.fixture(autouse=True, scope="module")
def tests_auto():
    return "tests"
