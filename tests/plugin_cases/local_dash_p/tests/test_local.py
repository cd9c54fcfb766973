def test_local(local_value):
    pass


def test_config(demo_config):
    pass
