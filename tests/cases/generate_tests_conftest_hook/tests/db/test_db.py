def test_url(db_url):
    assert "://" in db_url


def test_backend(backend, flavor):
    # `backend` is indirect (the fixture gets request.param), `flavor` direct: its fixture
    # and that fixture's missing dependency are shadowed.
    assert backend[1] == "engine"


def test_flavor_alone(flavor):
    # The hook returns early without `backend`: `flavor` is the fixture, whose dependency is
    # missing.
    pass
