import pytest


@pytest.mark.parametrize("a", [1, 2], indirect=True)
def test_indirect_true(a):
    assert a > 100


@pytest.mark.parametrize(("a", "b"), [(1, 2), (3, 4)], indirect=["a"])
def test_indirect_list(a, b):
    assert b in (2, 4)


@pytest.mark.parametrize("a,b", [(1, 2)], indirect=True)
def test_indirect_both(b, a):
    assert b == 4


@pytest.mark.parametrize("ghost", [1], indirect=True)
def test_indirect_without_fixture(ghost):
    pass
