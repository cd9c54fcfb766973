import pytest


@pytest.fixture
def db():
    return "module"


def test_module_level(db):
    assert db == "module"


class TestOverride:
    @pytest.fixture
    def db(self):
        return "class"

    def test_in_class(self, db):
        assert db == "class"


class TestNoOverride:
    def test_in_other_class(self, db):
        assert db == "module"
