import pytest


@pytest.fixture
def module_fx():
    return "module"


class TestStatic:
    @pytest.fixture
    def class_fx(self):
        return "class"

    @staticmethod
    def test_static(module_fx, class_fx):
        assert class_fx == "class"

    @staticmethod
    def test_static_no_args():
        pass

    def test_regular(self, module_fx):
        pass
