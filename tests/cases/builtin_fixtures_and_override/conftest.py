import pytest


@pytest.fixture
def tmp_path():
    return "overridden"
