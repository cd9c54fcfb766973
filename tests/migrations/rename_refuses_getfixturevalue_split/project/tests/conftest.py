import pytest


@pytest.fixture
def api_client():
    return "root"


@pytest.fixture
def session_info(request):
    return request.getfixturevalue("api_client")
