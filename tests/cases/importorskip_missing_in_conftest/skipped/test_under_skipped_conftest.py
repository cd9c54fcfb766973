def test_never_collected(shared, local_only):
    pass


def test_never_collected_either(shared):
    pass
