import pytest

pytest.importorskip("fixmig_case_module_that_is_not_installed")


def test_optional(frame):
    assert frame
