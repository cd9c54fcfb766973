def test_root(session_info):
    assert session_info == "root"
