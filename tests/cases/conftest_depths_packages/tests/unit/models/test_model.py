def test_model(layer, root_only, tests_only, unit_only):
    assert layer == "tests/models"
