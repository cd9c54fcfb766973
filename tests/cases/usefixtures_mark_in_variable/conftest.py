import pytest


@pytest.fixture
def engine():
    return "engine"


@pytest.fixture
def skip_engine(engine, request):
    return engine


@pytest.fixture
def xfail_engine():
    return "xfail"
