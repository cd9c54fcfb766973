def test_top(shared):
    pass
