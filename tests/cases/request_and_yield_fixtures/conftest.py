import pytest


@pytest.fixture(scope="module")
def module_resource(request):
    yield request.module.__name__


@pytest.fixture
def per_test(request, module_resource):
    yield request.node.name
