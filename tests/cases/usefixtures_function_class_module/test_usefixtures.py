import pytest

pytestmark = pytest.mark.usefixtures("mod_fx")


@pytest.mark.usefixtures("cls_fx", "cls_fx2")
class TestMarked:
    @pytest.mark.usefixtures("fn_fx")
    def test_all_levels(self, param_fx):
        pass

    def test_class_and_module(self, mod_fx):
        pass


def test_module_only():
    pass
