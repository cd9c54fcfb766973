def test_both(dtype_args, dtype_args2):
    assert dtype_args in ("python", "pyarrow")
    assert dtype_args2 in ("python", "pyarrow")
