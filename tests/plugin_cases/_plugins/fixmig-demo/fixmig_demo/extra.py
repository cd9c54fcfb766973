"""Loaded through `pytest_plugins` of fixmig_demo.plugin: registered after it."""

import pytest


@pytest.fixture(scope="session")
def demo_config(demo_config):
    """Overrides the plugin's own `demo_config` (the previous definition in the chain)."""
    return dict(demo_config, extra=True)


@pytest.fixture
def demo_extra():
    return "extra"
