def test_integration(layer, tests_only):
    assert layer == "tests"


def test_sibling_not_visible(unit_only):
    pass
