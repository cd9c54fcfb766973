import pytest


@pytest.fixture
def staging_services_fixture(isolated_env):
    return dict(isolated_env, staging=True)
