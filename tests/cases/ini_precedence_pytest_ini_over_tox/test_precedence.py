def test_precedence():
    pass
