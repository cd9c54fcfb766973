import pytest


@pytest.fixture
def tox_fx():
    return "tox"


@pytest.fixture
def widget():
    return "widget"
