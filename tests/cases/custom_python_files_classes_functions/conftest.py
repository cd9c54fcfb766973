import pytest


@pytest.fixture
def gadget():
    return "gadget"
