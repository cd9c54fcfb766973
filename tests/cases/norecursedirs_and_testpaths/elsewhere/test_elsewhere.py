def test_elsewhere(missing_fixture):
    pass
