def test_a(client):
    assert client["url"] == "http://a"
