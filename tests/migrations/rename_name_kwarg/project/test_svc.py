def test_svc(svc):
    assert svc == "service"
