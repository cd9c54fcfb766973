def test_e2e(session_info):
    assert session_info == "e2e"
