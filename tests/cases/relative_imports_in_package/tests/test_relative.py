from .shared.more import extra_fixture  # noqa: F401


def test_relative(extra_fixture):
    assert extra_fixture == "base+extra"


def test_module_attribute_not_scanned(hidden_fixture):
    pass
