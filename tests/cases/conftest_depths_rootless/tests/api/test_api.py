def test_api(client, api_token):
    pass
