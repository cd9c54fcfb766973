def test_retries(retries):
    assert retries == 5
