import pytest


def test_collected(shared):
    pass


def test_importorskip_inside_function(shared):
    pytest.importorskip("fixmig_case_module_that_is_not_installed")
