def test_imported(mocker):
    pass


def test_extra(demo_extra, demo_config):
    pass


def test_pytester(pytester):
    pass


def test_testdir(testdir):
    pass


def test_autouse_only():
    pass
