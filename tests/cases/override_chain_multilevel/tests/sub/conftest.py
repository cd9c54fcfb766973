import pytest


@pytest.fixture
def value(value):
    return value + ["sub"]
