import pytest


@pytest.fixture(name="connection")
def make_connection():
    return "conn"


@pytest.fixture(scope="module", name="settings")
def settings_fixture():
    return {"debug": True}
