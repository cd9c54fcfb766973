import pytest


@pytest.fixture(autouse=True)
def zeta_mod():
    return "z"


@pytest.fixture(autouse=True)
def alpha_mod():
    return "a"


def test_module_level(requested):
    pass


class TestAutoClass:
    @pytest.fixture(autouse=True)
    def cls_auto(self):
        return "cls"

    def test_in_class(self, requested):
        pass
