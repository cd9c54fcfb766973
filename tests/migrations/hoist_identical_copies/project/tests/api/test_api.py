def test_api(db_session, api_only):
    assert db_session["engine"] == "sqlite"
