def test_check(db):
    pass
