def test_root(request):
    assert request.getfixturevalue("api_client") == "root"
