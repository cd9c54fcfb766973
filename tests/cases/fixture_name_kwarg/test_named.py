import pytest


@pytest.fixture(name="client")
def settings(connection, settings):
    return (connection, settings)


def test_named(connection, settings):
    assert connection == "conn"


def test_client(client):
    pass


def test_function_name_is_not_a_fixture(make_connection):
    pass
