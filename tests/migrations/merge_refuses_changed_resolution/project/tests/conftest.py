import pytest


@pytest.fixture
def shared():
    return 1
