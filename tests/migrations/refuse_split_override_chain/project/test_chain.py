import pytest


@pytest.fixture
def db(db):
    return db + ["module"]


def test_chain(db):
    assert db == ["base", "module"]
