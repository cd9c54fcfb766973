import pytest


def test_client_has_a_session(api_client):
    assert api_client[1]["connected"]


@pytest.mark.usefixtures("db_session")
def test_session_is_set_up():
    pass
