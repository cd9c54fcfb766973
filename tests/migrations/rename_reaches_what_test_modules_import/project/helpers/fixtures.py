import pytest


@pytest.fixture
def user(token):
    return "user-" + token
