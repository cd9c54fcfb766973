import pytest


@pytest.fixture
def level():
    return "module"


@pytest.fixture
def mod_only():
    return "mod"


@pytest.mark.usefixtures("mod_only")
class TestOuter:
    @pytest.fixture
    def level(self):
        return "outer"

    @pytest.fixture
    def outer_only(self):
        return "outer_only"

    def test_outer(self, level):
        assert level == "outer"

    @pytest.mark.usefixtures("outer_only")
    class TestMiddle:
        def test_middle(self, level):
            assert level == "outer"

        class TestInner:
            @pytest.fixture
            def level(self, level):
                return level + "+inner"

            def test_inner(self, level, outer_only):
                assert level == "outer+inner"
