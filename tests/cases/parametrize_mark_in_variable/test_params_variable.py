import pytest

_CASES = [("upper", ()), ("center", (5,))]

method_params = pytest.mark.parametrize(
    "method, args",
    _CASES,
    ids=[case[0] for case in _CASES],
)


@method_params
@pytest.mark.parametrize("chunks", [[], [["a"]]])
def test_with_stacked_parametrize(method, args, chunks):
    pass


@method_params
def test_alone(method, args):
    pass


class TestMethods:
    @method_params
    def test_method(self, method, args):
        pass
