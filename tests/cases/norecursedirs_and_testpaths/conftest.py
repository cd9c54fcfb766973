import pytest


@pytest.fixture
def root_fx():
    return "root"
