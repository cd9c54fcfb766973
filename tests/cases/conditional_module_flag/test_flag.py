def test_basic(basic_service, guarded_basic):
    assert basic_service == "basic"


def test_extra(extra_service):
    pass
