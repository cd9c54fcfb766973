import pytest


@pytest.fixture
def shared_db():
    return "db"


@pytest.fixture
def helper():
    return "helper"
