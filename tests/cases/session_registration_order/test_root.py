def test_root(monkeypatch):
    assert monkeypatch == "plugin-monkeypatch"
