import pytest


@pytest.fixture
def plain():
    return "p"
