def test_other(missing):
    pass
