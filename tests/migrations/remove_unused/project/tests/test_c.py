def test_c(client, other):
    assert client == "client"
