def test_row(db_row):
    assert db_row == ("session", 1)
