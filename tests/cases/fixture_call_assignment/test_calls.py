import pytest


def _make_shared():
    return "shared"


shared = pytest.fixture(scope="module")(_make_shared)


def test_calls(items, cfg, shared):
    assert items == [1, 2]


def test_assignment_name_is_not_the_fixture(cfg_alias):
    pass
