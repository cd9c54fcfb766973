import pytest


@pytest.fixture
def toml_first():
    return 1


@pytest.fixture
def toml_second():
    return 2


@pytest.fixture
def subject():
    return "subject"
