def test_builtins(monkeypatch, capsys, request):
    pass


def test_overridden(tmp_path):
    assert tmp_path == "overridden"


def test_factory(tmp_path_factory):
    pass
