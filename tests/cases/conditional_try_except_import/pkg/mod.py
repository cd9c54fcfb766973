import pytest


@pytest.fixture
def real_client():
    return "real"
