def test_session_is_connected(db_session):
    assert db_session["connected"]


def test_config_lives_in_tmp(tmp_config, tmp_path):
    assert tmp_config.parent == tmp_path
