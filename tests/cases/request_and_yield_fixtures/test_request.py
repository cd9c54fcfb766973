def test_request_only(request):
    pass


def test_yield(per_test):
    pass


def test_module_resource(module_resource, request):
    pass
