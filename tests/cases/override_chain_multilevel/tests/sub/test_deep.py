import pytest


@pytest.fixture
def value(value):
    return value + ["module"]


def test_module(value):
    assert value == ["root", "tests", "sub", "module"]


class TestDeepest:
    @pytest.fixture
    def value(self, value):
        return value + ["class"]

    def test_class(self, value):
        assert value == ["root", "tests", "sub", "module", "class"]
