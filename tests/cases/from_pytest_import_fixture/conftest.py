from pytest import fixture


@fixture
def plain():
    return "plain"


@fixture(autouse=True)
def always():
    return "always"
