def test_other_module(module_local):
    pass
