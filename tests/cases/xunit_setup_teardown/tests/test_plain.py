def test_no_xunit():
    pass
