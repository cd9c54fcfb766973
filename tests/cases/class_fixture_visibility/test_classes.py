import pytest


@pytest.fixture
def module_local():
    return "local"


class TestA:
    @pytest.fixture
    def a_only(self):
        return "a"

    @pytest.fixture(autouse=True)
    def a_auto(self):
        return "auto"

    def test_a(self, a_only, module_local):
        pass


class TestB:
    def test_b(self, a_only):
        pass


def test_module_level(a_only):
    pass
