import pytest

SERVERS = ("server",)


def pytest_generate_tests(metafunc):
    if "server" in metafunc.fixturenames:
        metafunc.parametrize(SERVERS, [("alpha",), ("beta",)], indirect=True, ids=["a", "b"])
    if "ghost" in metafunc.fixturenames:
        metafunc.parametrize("ghost", [1], indirect=True)
    if "mode" in metafunc.fixturenames:
        metafunc.parametrize(
            argnames="mode, level",
            argvalues=[pytest.param("fast", 1, id="f"), pytest.param("slow", 2, id="s")],
            indirect=False,
        )


def test_server(server):
    assert server[1] == 8080


def test_ghost(ghost):
    # indirect=True: `ghost` must be a fixture, and none is defined.
    pass


def test_mode(mode, level):
    assert level in (1, 2)
