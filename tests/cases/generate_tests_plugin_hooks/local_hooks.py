import pytest


def pytest_generate_tests(metafunc):
    if "region" in metafunc.fixturenames and "flavour" not in metafunc.fixturenames:
        metafunc.parametrize("region", ["eu", "us"])


@pytest.fixture
def region():
    return "fixture region"
