"""Shared fixtures."""
import pytest


@pytest.fixture(scope="session")
def real_services_fixture():
    return {"backend": "up"}
