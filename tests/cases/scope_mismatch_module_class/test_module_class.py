import pytest


@pytest.fixture(scope="class")
def row():
    return 1


@pytest.fixture(scope="module")
def table(row):
    return [row]


@pytest.fixture
def line_item():
    return "item"


@pytest.fixture(scope="class")
def section(line_item):
    return [line_item]


@pytest.fixture(scope="module")
def report(section):
    return section


class TestTables:
    def test_table(self, table):
        pass

    def test_report(self, report):
        pass
