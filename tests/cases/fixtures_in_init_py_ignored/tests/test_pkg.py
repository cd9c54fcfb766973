def test_conftest_fixture(conftest_fixture):
    pass


def test_init_fixture(init_fixture):
    pass
