import pytest


@pytest.fixture
def api_client():
    return 1


@pytest.fixture
def session_info(request):
    return ("session", request.getfixturevalue("api_client"))


@pytest.fixture
def req(request):
    return request


def client_of(request):
    if hasattr(request, "getfuncargvalue"):
        return request.getfuncargvalue("api_client")
    return request.getfixturevalue("api_client")
