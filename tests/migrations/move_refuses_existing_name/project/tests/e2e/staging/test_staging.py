def test_redis(redis_client):
    assert redis_client == "staging redis"
