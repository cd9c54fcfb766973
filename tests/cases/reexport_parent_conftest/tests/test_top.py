def test_top(shared_db):
    pass
