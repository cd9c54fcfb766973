def test_uses_conftest(db):
    assert db == "conftest"
