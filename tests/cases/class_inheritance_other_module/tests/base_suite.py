import pytest


@pytest.mark.usefixtures("base_marker_fx")
class BaseSuite:
    @pytest.fixture
    def resource(self):
        return "base"

    @pytest.fixture
    def base_only(self):
        return "base_only"

    def test_inherited(self, resource):
        pass

    def test_inherited_base_only(self, base_only):
        pass
