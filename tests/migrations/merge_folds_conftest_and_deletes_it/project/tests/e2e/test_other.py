def test_other(base_url):
    assert base_url
