import pytest

__all__ = ["demo_star"]


@pytest.fixture
def demo_star():
    return "star"


@pytest.fixture
def demo_not_exported():
    return "hidden"
