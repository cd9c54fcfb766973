def test_backend(arrow_table):
    pass


def test_fallback(fallback_table):
    pass


def test_stdlib(json_module):
    pass
