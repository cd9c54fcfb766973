"""Staging-only fixtures."""
from __future__ import annotations

import json
from collections import OrderedDict

import pytest

TIMEOUT = 5


def _join(base, path):
    return base + path


def _settings() -> OrderedDict:
    return OrderedDict(host="staging", timeout=TIMEOUT)


# The staging URL, derived from the base one.
@pytest.fixture
def staging_url(base_url):
    return _join(base_url, "/staging")


@pytest.fixture(scope="session")
def redis_client():
    return json.dumps(_settings())


def pytest_runtest_setup(item):
    item.user_properties.append(("suite", "e2e"))
