def test_clients(real_client, stub_server):
    assert real_client == "real"


def test_fallback_not_defined(fallback_client):
    pass
