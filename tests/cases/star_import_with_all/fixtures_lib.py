import pytest

__all__ = ["exported", "_underscored"]


@pytest.fixture
def exported():
    return 1


@pytest.fixture
def _underscored():
    return 2


@pytest.fixture
def not_exported():
    return 3
