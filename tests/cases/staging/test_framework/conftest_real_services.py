"""Fixtures that talk to real services; only loaded when explicitly enabled."""

import pytest


@pytest.fixture(name="real_services")
def real_services_fixture():
    return {"db": "postgres", "cache": "redis"}


@pytest.fixture
def real_llm():
    return "llm"
