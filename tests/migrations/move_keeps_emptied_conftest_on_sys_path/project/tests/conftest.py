import pytest


@pytest.fixture
def app():
    return {"name": "app"}
