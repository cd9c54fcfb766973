def test_outer():
    pass
