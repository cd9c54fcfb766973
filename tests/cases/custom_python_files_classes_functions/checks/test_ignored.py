def test_ignored(missing_fixture):
    pass
