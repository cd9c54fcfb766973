import os

import pytest

from .helpers import make_client

os.environ.setdefault("STAGING", "1")


def _defaults():
    return {"retries": 3}


@pytest.fixture
def client():
    return make_client("staging")


@pytest.fixture
def tuned_client(client):
    return dict(client, **_defaults())
