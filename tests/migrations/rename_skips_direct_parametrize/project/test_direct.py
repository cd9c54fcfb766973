import pytest


@pytest.mark.parametrize("db", [3])
def test_direct_parametrize_is_not_the_fixture(db):
    assert db == 3


def test_fixture(db):
    assert db == "fixture"
