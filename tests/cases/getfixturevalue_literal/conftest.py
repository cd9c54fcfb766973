import pytest


@pytest.fixture
def lit():
    return "literal"


@pytest.fixture
def dynamic_ok(request):
    return request.getfixturevalue("lit")


@pytest.fixture
def dynamic_missing(request):
    return request.getfixturevalue("missing_dynamic")
