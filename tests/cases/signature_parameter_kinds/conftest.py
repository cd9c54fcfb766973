import pytest


@pytest.fixture
def a():
    return "a"


@pytest.fixture
def b():
    return "b"


@pytest.fixture
def kw():
    return "kw"


@pytest.fixture
def composite(a, *rest, kw, unused=None, **extra):
    return (a, kw)
