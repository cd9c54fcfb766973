import pytest

try:
    from pkg.mod import *  # noqa: F401,F403
except ImportError:

    @pytest.fixture
    def fallback_client():
        return "fallback"


try:
    from pkg.missing import *  # noqa: F401,F403
except ImportError:

    @pytest.fixture
    def stub_server():
        return "stub"
