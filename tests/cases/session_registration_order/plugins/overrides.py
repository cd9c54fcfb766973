import pytest


@pytest.fixture
def monkeypatch():
    return "plugin-monkeypatch"


@pytest.fixture
def capsys():
    return "plugin-capsys"
