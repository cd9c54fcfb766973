import pytest


@pytest.fixture
def unit_only():
    return "unit_only"
