import pytest


@pytest.fixture
def db():
    return "conftest"
