import pytest


@pytest.fixture
def token(token):
    return token


def test_token(token):
    pass
