import pytest

_load_extras = False
_load_basics = True

if _load_extras:
    from test_framework.extras import *  # noqa: F401,F403

if _load_basics:
    from test_framework.basics import *  # noqa: F401,F403


@pytest.fixture
def basic_service():
    return "basic"
