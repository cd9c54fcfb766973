import pytest


@pytest.fixture
def extra_service():
    return "extra"
