import pytest


@pytest.fixture(scope="module", params=[1, 2])
def backend(request):
    return request.param


@pytest.fixture
def client(backend):
    return ("client", backend)
