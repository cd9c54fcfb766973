import pytest


@pytest.fixture
def api_client():
    return 1


@pytest.fixture
def session_info(request):
    return request.getfixturevalue("api_client")
