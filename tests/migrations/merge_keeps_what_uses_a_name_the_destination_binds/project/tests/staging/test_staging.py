def test_region(region):
    assert region == "eu"


def test_backoff(backoff, retries):
    assert backoff == 0.5
    assert retries == 5
