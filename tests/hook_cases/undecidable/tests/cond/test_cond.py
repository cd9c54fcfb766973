def test_cloud(cloud):
    pass


def test_mode(mode):
    pass


def test_really_missing(nowhere):
    # The hook never parametrizes `nowhere`: FM001 stays.
    pass
