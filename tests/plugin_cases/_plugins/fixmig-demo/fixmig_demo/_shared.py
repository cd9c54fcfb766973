import pytest


@pytest.fixture(scope="module")
def demo_shared():
    return "shared"
