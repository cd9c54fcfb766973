import pytest


@pytest.fixture(autouse=True)
def module_auto():
    return "m"


def test_tuple(extra):
    assert extra == "extra"
