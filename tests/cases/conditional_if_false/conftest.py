import pytest

if False:
    from ghost_fixtures import *  # noqa: F401,F403

    @pytest.fixture
    def ghost():
        return "ghost"

else:

    @pytest.fixture
    def present():
        return "present"
