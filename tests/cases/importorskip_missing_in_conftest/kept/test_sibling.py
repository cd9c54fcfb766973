def test_collected(shared):
    pass
