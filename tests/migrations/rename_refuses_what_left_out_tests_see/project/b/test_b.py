def test_b(user):
    assert user == "user-b"
