"""Entry point `srcdemo`: overrides of builtin fixtures, as plugins sometimes do."""

from pytest import fixture


@fixture
def tmp_path(tmp_path_factory):
    """Overrides the builtin: registered after it, so tests get this one."""
    return tmp_path_factory.mktemp("srcdemo")


@fixture
def tmpdir(tmp_path):
    """legacypath registers the builtin `tmpdir` later (at pytest_configure): it wins."""
    return tmp_path


@fixture(scope="session")
def srcdemo_value():
    return 2
