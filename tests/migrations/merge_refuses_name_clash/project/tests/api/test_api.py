def test_api(api):
    assert api == "postgres-api"
