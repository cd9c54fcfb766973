from .conftest import client_of


def test_fixture_body(session_info):
    assert session_info == ("session", 1)


def test_other_request_name(req):
    assert req.getfixturevalue("api_client") == 1


def test_helper(request):
    assert client_of(request) == 1


class Helpers:
    def lookup(self, request):
        return request.getfixturevalue("api_client")


def test_method_helper(request):
    assert Helpers().lookup(request) == 1
