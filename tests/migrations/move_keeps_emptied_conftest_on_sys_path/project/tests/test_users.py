# `factories` is importable because tests/support/conftest.py puts its directory on sys.path.
from factories import make_user


def test_user(app):
    assert make_user() == {"name": "ada"}
    assert app["name"] == "app"
