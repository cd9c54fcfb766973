def test_client(client):
    assert client == {"client": "staging"}


def test_tuned(tuned_client, settings):
    assert tuned_client["retries"] == 3
    assert settings["retries"] == 1
