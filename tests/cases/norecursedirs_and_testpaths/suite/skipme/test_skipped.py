def test_skipped(missing_fixture):
    pass
