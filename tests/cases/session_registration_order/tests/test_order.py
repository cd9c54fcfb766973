def test_order(capsys, monkeypatch):
    assert capsys == "conftest-capsys"
    assert monkeypatch == "tests-plugin-monkeypatch"
