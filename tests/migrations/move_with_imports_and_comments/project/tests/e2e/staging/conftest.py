"""Staging fixtures."""
import json
from collections import OrderedDict

import pytest


@pytest.fixture
def staging_only():
    return "staging"


# A client for the shared redis.
@pytest.fixture(scope="session")
def redis_client():
    return OrderedDict(config=json.dumps({"host": "redis"}))
