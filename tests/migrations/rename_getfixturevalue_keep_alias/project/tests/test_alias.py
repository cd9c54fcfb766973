def test_body(request):
    assert request.getfixturevalue("api_client") == 1


def test_fixture(session_info):
    assert session_info == 1
