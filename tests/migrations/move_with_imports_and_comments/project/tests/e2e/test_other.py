def test_other(e2e_env):
    assert e2e_env == "e2e"
