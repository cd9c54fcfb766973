import pytest


@pytest.fixture(autouse=True)
def auto():
    return 0


@pytest.fixture
def mod_fx():
    return 1


@pytest.fixture
def cls_fx():
    return 2


@pytest.fixture
def cls_fx2():
    return 3


@pytest.fixture
def fn_fx():
    return 4


@pytest.fixture
def param_fx():
    return 5
