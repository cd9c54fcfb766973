def test_missing_direct(present, nope):
    pass


def test_missing_in_fixture(wrapper):
    pass


def test_two_missing(first_missing, present, second_missing):
    pass
