def test_a(shared):
    assert shared == 1
