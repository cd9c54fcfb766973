def test_exported(exported, _underscored):
    pass


def test_not_exported(not_exported):
    pass
