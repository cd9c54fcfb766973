import pytest


@pytest.fixture(params=["vanilla", "chocolate"], ids=["v", "c"])
def flavor(request):
    return request.param


def test_flavor(flavor):
    assert flavor in ("vanilla", "chocolate")


def test_client(client, flavor):
    pass


def test_backend_only(backend):
    pass
