def test_never(missing):
    pass
