def test_value(value, extra):
    assert value + extra == 3
