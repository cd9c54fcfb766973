def test_api(db_session):
    pass
