def test_in_body(request):
    assert request.getfixturevalue("lit") == "literal"


def test_through_fixture(dynamic_ok):
    assert dynamic_ok == "literal"


def test_missing_dynamic(dynamic_missing):
    pass
