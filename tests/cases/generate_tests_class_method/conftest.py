import pytest


@pytest.fixture
def value():
    return "fixture value"
