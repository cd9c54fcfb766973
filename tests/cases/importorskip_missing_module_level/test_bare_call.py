import pytest

pytest.importorskip("fixmig_case_module_that_is_not_installed", minversion="1.0")


def test_never_collected_either(shared):
    pass
