import pytest


@pytest.fixture
def role():
    return "admin"


@pytest.fixture
def user(role):
    return {"name": "base", "role": role}
