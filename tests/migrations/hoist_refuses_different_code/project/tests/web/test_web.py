def test_web(db_session):
    pass
