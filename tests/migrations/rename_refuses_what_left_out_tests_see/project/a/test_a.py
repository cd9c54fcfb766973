def test_a(user):
    assert user == "user-root"
