import pytest


@pytest.fixture(scope="module")
def helper_resource():
    return "helper"
