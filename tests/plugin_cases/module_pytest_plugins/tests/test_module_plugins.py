pytest_plugins = ["fixmig_demo._impl"]


def test_hidden(demo_not_exported):
    pass


def test_client(demo_client):
    pass
