def test_mock(mocker):
    pass


def test_httpx(httpx_mock):
    pass


def test_loop(event_loop):
    pass
