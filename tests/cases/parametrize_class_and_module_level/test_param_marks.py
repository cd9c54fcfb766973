import pytest

pytestmark = pytest.mark.parametrize("level", [1, 2])


def test_module(level):
    pass


@pytest.mark.parametrize("mode", ["fast", "slow"])
class TestModes:
    def test_mode(self, mode, level):
        pass

    def test_mode_again(self, level, mode):
        pass
