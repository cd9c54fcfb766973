from helpers.marks import needs_login


@needs_login
def test_marked():
    pass
