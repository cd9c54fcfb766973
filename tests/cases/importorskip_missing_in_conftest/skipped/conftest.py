import pytest

lib = pytest.importorskip("fixmig_case_module_that_is_not_installed")


@pytest.fixture
def local_only():
    return 2
