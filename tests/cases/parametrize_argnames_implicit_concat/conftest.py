import pytest


@pytest.fixture
def expected(base):
    return base


@pytest.fixture
def base():
    return 0
