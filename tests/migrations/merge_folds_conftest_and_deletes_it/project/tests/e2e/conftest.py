"""Fixtures for every end-to-end test."""
import pytest


def _join(base, path):
    return base + path


@pytest.fixture
def base_url():
    return "http://localhost"
