import pytest


@pytest.fixture
def available():
    return 1


class TestDisabled:
    __test__ = False

    @pytest.fixture
    def disabled_fx(self):
        return "disabled"

    def test_never(self, does_not_exist):
        pass


class TestWithInit:
    def __init__(self):
        self.x = 1

    def test_never_either(self, also_missing):
        pass


class HelperTests:
    def test_not_a_test_class(self, missing_too):
        pass


class TestEnabled(TestDisabled):
    __test__ = True

    def test_enabled(self, disabled_fx, available):
        pass


def test_module_level(available):
    pass
