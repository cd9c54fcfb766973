def test_c(legacy_client, session):
    assert legacy_client and session
