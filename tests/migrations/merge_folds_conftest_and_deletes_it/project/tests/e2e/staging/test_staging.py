def test_url(staging_url):
    assert staging_url == "http://localhost/staging"


def test_redis(redis_client, base_url):
    assert "staging" in redis_client
