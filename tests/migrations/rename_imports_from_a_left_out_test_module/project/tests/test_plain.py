def test_plain(helper):
    assert helper == "plain"
