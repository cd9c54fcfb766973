import pytest


@pytest.fixture
def demo_extra(demo_extra):
    """Overrides the plugin's `demo_extra` for the whole session."""
    return demo_extra + "!"
