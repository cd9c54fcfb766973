import pytest


def _defaults():
    return {"retries": 1}


@pytest.fixture
def settings():
    return _defaults()
