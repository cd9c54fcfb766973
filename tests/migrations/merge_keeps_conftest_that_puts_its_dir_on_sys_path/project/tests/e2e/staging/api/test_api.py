import staging_helpers


def test_url(staging_url):
    assert staging_url.endswith(staging_helpers.suffix())
