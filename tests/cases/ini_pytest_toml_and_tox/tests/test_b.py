def test_test(db):
    pass
