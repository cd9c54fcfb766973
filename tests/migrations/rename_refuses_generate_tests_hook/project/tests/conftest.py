import pytest


@pytest.fixture
def api_client(request):
    return request.param * 2
