import pytest

missing = pytest.importorskip("fixmig_case_module_that_is_not_installed")


def test_never_collected(shared):
    pass


class TestNeverCollected:
    def test_method(self, shared):
        pass
