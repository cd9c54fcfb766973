import pytest


@pytest.mark.parametrize(
    "left, right, "
    "expected",
    [(1, 2, 3), (2, 2, 4)],
)
def test_implicit_concatenation(left, right, expected):
    pass


@pytest.mark.parametrize("first," "second", [(1, 2)])
def test_concatenation_on_one_line(first, second):
    pass
