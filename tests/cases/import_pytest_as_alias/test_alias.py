import pytest as pt


@pt.fixture()
def gamma(alpha):
    return alpha + 1


@pt.mark.usefixtures("beta")
def test_alias(gamma):
    assert gamma == 2
