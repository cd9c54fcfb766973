import pytest


def pick_scope(fixture_name, config):
    return "session"


@pytest.fixture(scope=pick_scope)
def shared_resource():
    return "shared"


@pytest.fixture
def consumer(shared_resource):
    return shared_resource
