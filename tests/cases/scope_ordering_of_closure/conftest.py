import pytest


@pytest.fixture(scope="session")
def sess_b():
    return "sb"


@pytest.fixture(scope="session")
def sess_a(sess_b):
    return "sa"


@pytest.fixture(scope="package")
def pkg():
    return "pkg"


@pytest.fixture(scope="module")
def mod(pkg):
    return "mod"


@pytest.fixture(scope="class")
def klass(mod):
    return "class"


@pytest.fixture
def func_one(klass, sess_a):
    return "f1"


@pytest.fixture
def func_two(request):
    return "f2"
