def test_a(db):
    assert db == "a"
