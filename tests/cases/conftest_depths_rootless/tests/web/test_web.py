def test_web(client):
    assert client == "base-client"


def test_web_no_api_token(api_token):
    pass
