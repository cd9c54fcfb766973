import pytest


@pytest.fixture
def staging_url(base_url):
    return base_url + "/staging"
