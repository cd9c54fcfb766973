import pytest

skip_marker = pytest.mark.usefixtures("skip_engine")
xfail_marker = pytest.mark.usefixtures("xfail_engine")


@skip_marker
def test_plain():
    pass


@skip_marker  # a comment after the decorator
@pytest.mark.parametrize("value", [1, 2])
def test_commented_and_parametrized(value):
    pass


@xfail_marker
@skip_marker
def test_stacked_variables():
    pass


class TestMethods:
    @skip_marker
    def test_method(self):
        pass


def test_without_mark():
    pass
