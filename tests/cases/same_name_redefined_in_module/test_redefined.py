import pytest


@pytest.fixture
def resource():
    return "first"


@pytest.fixture
def resource():  # noqa: F811
    return "second"


def test_resource(resource):
    assert resource == "second"
