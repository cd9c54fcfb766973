def test_b(client):
    assert client == "b"
