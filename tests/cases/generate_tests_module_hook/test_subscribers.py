subscribers = [("sub-a", "/a", "t1"), ("sub-b", "/b", "t2")]
cloud_subscribers = [("cloud", "/c", "t3")]


def pytest_generate_tests(metafunc):
    fixtures = set(metafunc.fixturenames)
    if "Subscriber" in fixtures:
        metafunc.parametrize("Subscriber,socket_path,token", subscribers)
    elif "CloudSubscriber" in fixtures:
        metafunc.parametrize("CloudSubscriber,socket_path,token", cloud_subscribers)


def test_subscriber(Subscriber, socket_path, token):
    assert socket_path.startswith("/")


def test_cloud(CloudSubscriber, token, socket_path):
    assert token == "t3"


def test_client_through_fixture(client, Subscriber, socket_path, token):
    # `socket_path` is parametrized: the fixture (and `base_dir`) is pruned from the closure,
    # and `client` gets the parameter.
    assert client[1] == socket_path


def test_plain_fixture(socket_path):
    # No Subscriber: the hook does not parametrize, the session fixture applies.
    assert socket_path == "/tmp/sock"


def test_token_alone(token):
    # The hook parametrizes `token` only along with a subscriber: missing here.
    pass
