def test_b(shared):
    assert shared == 1
