import pytest


@pytest.fixture(autouse=True)
def conftest_auto():
    return "conftest"


@pytest.fixture
def marked():
    return "marked"
