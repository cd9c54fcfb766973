"""Root test configuration."""

import pytest

_should_load_real_services = False

if _should_load_real_services:
    from test_framework.conftest_real_services import *  # noqa: F401,F403


@pytest.fixture
def isolated_env():
    return {}
