ARGNAMES = "flavour, size"


def pytest_generate_tests(metafunc):
    if "flavour" in metafunc.fixturenames:
        metafunc.parametrize(ARGNAMES, [("vanilla", 1), ("mint", 2)])
