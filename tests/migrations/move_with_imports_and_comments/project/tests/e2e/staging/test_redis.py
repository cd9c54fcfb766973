def test_redis(redis_client, staging_only, e2e_env):
    assert "redis" in redis_client["config"]
