def test_top(settings):
    assert settings == {"retries": 1}
