import pytest


@pytest.fixture
def local():
    return "local"


def check_gadget(gadget):
    pass


def it_works(local):
    pass


def test_not_collected(missing_fixture):
    pass


class CheckGroup:
    def check_method(self, gadget, local):
        pass


class SuiteOfChecks:
    def it_runs(self):
        pass


class TestNotAClassHere:
    def check_never(self, missing_fixture):
        pass
