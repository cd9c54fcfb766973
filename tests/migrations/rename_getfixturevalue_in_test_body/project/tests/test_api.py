def test_dynamic(request):
    assert request.getfixturevalue("api_client") == 1


def test_computed(request):
    name = "tmp" + "_path"
    assert request.getfixturevalue(name).exists()


def test_unrelated():
    assert "api_client" != "service_client"
