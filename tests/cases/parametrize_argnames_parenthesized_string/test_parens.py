import pytest


@pytest.mark.parametrize(("values"), [(["a"]), (["b", "c"])])
@pytest.mark.parametrize("fmt", [(None), ("%H")])
def test_parenthesized_name(values, fmt):
    pass


@pytest.mark.parametrize(("low, high"), [(1, 2)])
def test_parenthesized_names_with_comma(low, high):
    pass


class TestInClass:
    @pytest.mark.parametrize(
        ("values"), [(["a"]), (["00:01:99"])]
    )
    def test_method(self, values):
        pass
