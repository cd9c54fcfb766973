import pytest


@pytest.fixture(autouse=True)
def zz_plugin_auto():
    return "z"


@pytest.fixture(autouse=True)
def aa_plugin_auto():
    return "a"
