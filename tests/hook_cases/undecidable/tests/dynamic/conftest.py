import os

import pytest


def pytest_generate_tests(metafunc):
    # The names come from the environment: any name may be parametrized.
    for name in os.environ.get("FIXMIG_HOOK_NAMES", "").split(","):
        if name and name in metafunc.fixturenames:
            metafunc.parametrize(name, [1])


@pytest.fixture
def wrapper(dyn_dep):
    return dyn_dep
