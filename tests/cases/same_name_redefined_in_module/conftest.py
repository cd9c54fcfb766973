import pytest


@pytest.fixture
def resource():
    return "conftest"
