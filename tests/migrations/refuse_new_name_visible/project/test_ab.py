def test_a(a):
    assert a == "a"


def test_b(b):
    assert b == "b"
