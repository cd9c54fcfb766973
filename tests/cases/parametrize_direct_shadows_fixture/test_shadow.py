import pytest


@pytest.mark.parametrize("number", [1, 2])
def test_shadowed(number, config):
    assert number in (1, 2)


def test_real_fixture(number):
    assert number == 10
