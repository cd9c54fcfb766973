def test_c(legacy_client):
    assert legacy_client
