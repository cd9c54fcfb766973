import pytest

from base_suite import BaseSuite


@pytest.mark.usefixtures("derived_marker_fx")
class TestDerived(BaseSuite):
    @pytest.fixture
    def resource(self):
        return "derived"

    def test_own(self, resource, base_only):
        assert resource == "derived"
