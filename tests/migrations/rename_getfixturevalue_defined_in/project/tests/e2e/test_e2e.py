def test_e2e(request):
    assert request.getfixturevalue("api_client") == "e2e"
