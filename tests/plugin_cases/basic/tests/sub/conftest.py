import pytest


@pytest.fixture
def mocker(mocker, demo_shared):
    """Overrides pytest-mock's `mocker` below tests/sub/."""
    return mocker
