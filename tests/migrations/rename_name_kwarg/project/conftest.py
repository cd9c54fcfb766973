import pytest


@pytest.fixture(name="svc", scope="module")
def _svc_impl():
    return "service"
