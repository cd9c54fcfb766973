def test_suite(suite_fx):
    pass
