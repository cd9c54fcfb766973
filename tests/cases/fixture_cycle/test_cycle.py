import pytest


@pytest.fixture
def a(b):
    return b


@pytest.fixture
def b(a):
    return a


@pytest.fixture
def x(y):
    return y


@pytest.fixture
def y(z):
    return z


def test_two_cycle(a):
    pass


def test_three_cycle(x):
    pass
