import pytest


@pytest.fixture
def base():
    return 100


@pytest.fixture
def a(request, base):
    return request.param + base


@pytest.fixture
def b(request):
    return request.param * 2
