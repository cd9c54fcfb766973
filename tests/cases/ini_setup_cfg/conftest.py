import pytest


@pytest.fixture
def cfg_fx():
    return "cfg"


@pytest.fixture
def item():
    return "item"
