import pytest


@pytest.fixture
def value():
    return ["root"]
