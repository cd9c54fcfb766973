import pytest


def _make_items():
    return [1, 2]


def _make_cfg():
    return {"k": "v"}


items = pytest.fixture(_make_items)
cfg_alias = pytest.fixture(name="cfg")(_make_cfg)
