import pytest


@pytest.fixture
def layer():
    return "tests"


@pytest.fixture
def tests_only():
    return "tests_only"
