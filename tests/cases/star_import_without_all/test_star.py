def test_star(database, session_store):
    assert database == "db"


def test_private_not_exported(_private_helper):
    pass
