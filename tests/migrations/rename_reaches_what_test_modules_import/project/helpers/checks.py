def test_shared(token):
    assert token == "t"
