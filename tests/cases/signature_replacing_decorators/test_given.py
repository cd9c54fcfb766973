import hypothesis
import hypothesis.strategies as st
from hypothesis import given


@given(st.integers(), st.integers())
def test_positional(a, b):
    pass


@given(st.data())
def test_positional_after_fixture(tmp_path, data):
    pass


@given(value=st.integers())
def test_keyword(value, tmp_path):
    pass


@hypothesis.given(...)
def test_inferred(x: int, y: int):
    pass


@given(st.integers())
def test_missing(missing_fixture, n):
    pass


class TestMethods:
    @given(st.data(), st.integers())
    def test_method(self, data, size):
        pass

    @given(size=st.integers())
    def test_method_keyword(self, tmp_path, size):
        pass
