import pytest


@pytest.fixture
def region():
    return "eu"


@pytest.fixture
def backoff():
    # The builtin `max`: in tests/conftest.py this name is the constant 5.
    return max(0.1, 0.5)
