def pytest_generate_tests(metafunc):
    if "api_client" in metafunc.fixturenames:
        metafunc.parametrize("api_client", [1, 2], indirect=True)


def test_x(api_client):
    assert api_client in (2, 4)
