def test_top(value):
    assert value == ["root", "tests"]
