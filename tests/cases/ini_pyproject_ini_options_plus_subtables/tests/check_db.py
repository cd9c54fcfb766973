def test_db(db):
    assert db == "db"


def test_missing(not_defined_anywhere):
    pass
