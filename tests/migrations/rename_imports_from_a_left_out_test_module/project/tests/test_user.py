import pytest

from tests.test_shared import _other  # noqa: F401


@pytest.fixture
def helper(token):
    return "helper-" + token


def test_user(request):
    assert request.getfixturevalue("other") == "helper-t"
