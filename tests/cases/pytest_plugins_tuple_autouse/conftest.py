import pytest

pytest_plugins = ("support.auto", "support.extra")


@pytest.fixture(autouse=True)
def conftest_auto():
    return "c"
