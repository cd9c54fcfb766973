def test_a(client):
    assert client == "a"
