def test_unit(layer, unit_only):
    assert layer == "tests"
