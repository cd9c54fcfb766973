import pytest


@pytest.mark.parametrize("x,y", [(1, 2), (3, 4)])
def test_string(x, y):
    pass


@pytest.mark.parametrize("x, y", [(1, 2)])
def test_string_spaces(other, y, x):
    pass


@pytest.mark.parametrize(["x", "y"], [(1, 2)])
def test_list(x, y):
    pass


@pytest.mark.parametrize(("y", "x"), [(1, 2)])
def test_tuple(x, y):
    pass


@pytest.mark.parametrize("x", [1])
@pytest.mark.parametrize("y", [2, 3])
def test_stacked(y, x, other):
    pass
