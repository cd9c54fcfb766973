"""Fixtures for every end-to-end test."""
import pytest


@pytest.fixture
def base_url():
    return "http://localhost"
