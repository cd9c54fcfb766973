import pytest


def pytest_generate_tests(metafunc):
    if "db_url" in metafunc.fixturenames:
        metafunc.parametrize("db_url", ["sqlite://", "postgres://"], ids=["sqlite", "pg"])
    if "backend" not in metafunc.fixturenames:
        return
    metafunc.parametrize(["backend", "flavor"], [("a", 1), ("b", 2)], indirect=["backend"])


@pytest.fixture
def backend(request, engine):
    return (request.param, engine)


@pytest.fixture
def engine():
    return "engine"


@pytest.fixture
def flavor(missing_flavor_dep):
    return missing_flavor_dep
