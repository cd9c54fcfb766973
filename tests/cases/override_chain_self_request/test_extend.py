import pytest


@pytest.fixture
def user(user):
    return dict(user, name="extended")


def test_extended_user(user):
    assert user == {"name": "extended", "role": "admin"}
