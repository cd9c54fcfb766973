import pytest


@pytest.fixture(name="thing")
def b_thing():
    return "b"


@pytest.fixture(name="thing")
def a_thing():
    return "a"


def test_thing(thing):
    assert thing == "b"


class TestWidgets:
    @pytest.fixture(name="widget")
    def z_impl(self):
        return "z"

    @pytest.fixture(name="widget")
    def m_impl(self):
        return "m"

    def test_widget(self, widget):
        assert widget == "z"
