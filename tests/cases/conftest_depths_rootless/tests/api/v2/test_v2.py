def test_v2(client):
    assert client == "base-client/api/v2"
