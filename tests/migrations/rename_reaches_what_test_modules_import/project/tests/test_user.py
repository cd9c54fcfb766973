from helpers.fixtures import user  # noqa: F401


def test_user(user):
    assert user == "user-t"
