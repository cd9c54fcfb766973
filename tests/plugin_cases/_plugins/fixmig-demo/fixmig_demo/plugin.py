"""The entry point module (`fixmig_demo = fixmig_demo.plugin`)."""

import sys

import pytest

from fixmig_demo._shared import demo_shared  # noqa: F401  (a fixture imported into the plugin)
from ._impl import *  # noqa: F401,F403  (only what `__all__` exports)

# Registered right after this module, so its fixtures come later on the session.
pytest_plugins = ["fixmig_demo.extra"]


@pytest.fixture(scope="session")
def demo_config():
    return {"name": "demo"}


@pytest.fixture
def demo_client(demo_config, tmp_path, demo_star):
    return (demo_config, tmp_path, demo_star)


@pytest.fixture(autouse=True)
def _demo_autouse(request):
    yield


@pytest.fixture(name="demo_named")
def _demo_named_impl(demo_shared):
    return demo_shared


@pytest.fixture
def demo_uses_mocker(mocker):
    """Needs pytest-mock: FM001 when it is not loaded."""
    return mocker


try:
    import tomllib  # noqa: F401  (the standard library on 3.11+)
except ImportError:

    @pytest.fixture
    def demo_toml():
        return "fallback"


if sys.version_info >= (3, 0):

    @pytest.fixture
    def demo_versioned():
        return 3
