def test_top(comparison_op):
    assert comparison_op
