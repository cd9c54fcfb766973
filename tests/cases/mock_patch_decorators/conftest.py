import pytest


@pytest.fixture
def helper():
    return "helper"


@pytest.fixture
def other():
    return "other"
