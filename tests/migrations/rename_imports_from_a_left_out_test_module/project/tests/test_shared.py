import pytest


@pytest.fixture(name="other", autouse=True)
def _other(helper):
    return helper


def test_shared(other):
    assert other == "plain"
