def test_frame(frame):
    assert frame == [1.0]
