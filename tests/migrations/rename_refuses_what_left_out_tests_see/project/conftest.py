import pytest


@pytest.fixture
def token():
    return "root"


@pytest.fixture
def user(token):
    return "user-" + token
