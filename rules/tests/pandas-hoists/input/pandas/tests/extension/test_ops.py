def test_reduce(data, all_reductions, all_numeric_reductions, all_boolean_reductions):
    assert data


def test_ops(all_numeric_accumulations, all_arithmetic_operators, comparison_op):
    assert comparison_op
