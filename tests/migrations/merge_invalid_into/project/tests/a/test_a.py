def test_a(a):
    assert a == 1
