import pytest


@pytest.fixture
def db_session():
    return {"connected": True}


@pytest.fixture
def tmp_config(tmp_path):
    return tmp_path / "config.ini"


@pytest.fixture
def api_client(db_session):
    return ("client", db_session)
