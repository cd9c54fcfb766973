import pytest


@pytest.fixture
def server(request, port):
    return (request.param, port)


@pytest.fixture
def port():
    return 8080
