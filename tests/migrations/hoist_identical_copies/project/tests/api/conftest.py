import pytest


@pytest.fixture(scope="module")
def db_session():
    # the api copy
    return {"engine": "sqlite"}


@pytest.fixture
def api_only():
    return 1
