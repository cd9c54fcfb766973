def test_shared(shared, from_first, from_second):
    assert shared == "conftest"
