def test_token(token, other, plain):
    assert (token, other, plain) == ("t", "o", "p")
