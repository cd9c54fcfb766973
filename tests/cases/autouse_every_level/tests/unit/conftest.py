import pytest


@pytest.fixture(autouse=True)
def unit_auto():
    return "unit"


@pytest.fixture
def requested():
    return "requested"
