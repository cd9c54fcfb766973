def test_web(db_session):
    assert db_session["engine"] == "sqlite"
