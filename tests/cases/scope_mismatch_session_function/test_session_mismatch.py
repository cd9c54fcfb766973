def test_engine(engine):
    pass


def test_package_ok(package_cache):
    pass
