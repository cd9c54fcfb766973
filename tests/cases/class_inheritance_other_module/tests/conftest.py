import pytest


@pytest.fixture
def base_marker_fx():
    return "base-mark"


@pytest.fixture
def derived_marker_fx():
    return "derived-mark"
