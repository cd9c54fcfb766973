def test_kept(root_fx, suite_fx):
    pass
