import pytest


@pytest.fixture(scope="session")
def base_dir():
    return "/tmp"


@pytest.fixture(scope="session")
def socket_path(base_dir):
    return base_dir + "/sock"


@pytest.fixture
def client(socket_path):
    return ("client", socket_path)
