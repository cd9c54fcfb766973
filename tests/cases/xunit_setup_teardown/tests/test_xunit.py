import pytest


def setup_module(module):
    pass


def teardown_function(function):
    pass


@pytest.fixture(autouse=True)
def module_auto():
    return "module"


def test_function_level():
    pass


class TestXunit:
    @classmethod
    def setup_class(cls):
        pass

    def setup_method(self, method):
        pass

    @pytest.fixture(autouse=True)
    def class_auto(self):
        return "class"

    def test_method(self):
        pass
