import pytest


@pytest.fixture
def guarded_basic():
    return "guarded"
