import pytest


@pytest.fixture
def chosen_fx():
    return "chosen"
