import pytest


@pytest.fixture
def suite_fx(root_fx):
    return root_fx + "/suite"
