import pytest


@pytest.fixture
def monkeypatch(monkeypatch):
    return "tests-" + monkeypatch
