def test_thing(thing):
    pass


def check_also_collected(thing):
    pass
