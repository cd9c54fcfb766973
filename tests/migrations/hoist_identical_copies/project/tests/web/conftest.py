import pytest


@pytest.fixture(scope = "module")
def db_session():
    return {"engine":   "sqlite"}
