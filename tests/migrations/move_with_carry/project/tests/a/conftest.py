import pytest

BASE_URL = "http://a"


def _make_client(url):
    return {"url": url}


@pytest.fixture
def client():
    return _make_client(BASE_URL)
