def should_have_item(item):
    pass


def test_not_collected(missing):
    pass
