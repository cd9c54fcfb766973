def test_old(client):
    assert client == "client"
