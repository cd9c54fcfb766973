def test_db(database_url):
    pass
