import pytest


@pytest.fixture
def db(request):
    return {"name": "db", "param": getattr(request, "param", None)}


@pytest.fixture
def session_user(db):
    return ("user", db["name"])
