import pytest


@pytest.fixture
def float_frame():
    return [1.5]


@pytest.fixture
def int_frame():
    return [1]
