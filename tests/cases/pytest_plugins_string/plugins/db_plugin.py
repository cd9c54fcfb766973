import pytest


@pytest.fixture(scope="session")
def db_session():
    return "session"


@pytest.fixture
def db_row(db_session):
    return (db_session, 1)
