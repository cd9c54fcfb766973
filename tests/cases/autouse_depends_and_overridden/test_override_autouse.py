import pytest


@pytest.fixture
def other_dep():
    return "other"


@pytest.fixture
def setup_env(other_dep):
    return other_dep


def test_overridden_autouse():
    pass
