import pytest


@pytest.fixture
def token():
    return "t"


@pytest.fixture
def helper():
    return "plain"
