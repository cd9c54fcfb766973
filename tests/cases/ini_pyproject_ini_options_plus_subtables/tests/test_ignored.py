def test_default_pattern(db):
    pass
