import pytest


@pytest.fixture
def phantom():
    return "phantom"
