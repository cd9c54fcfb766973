import pytest

pytestmark = [pytest.mark.usefixtures("db")]


class Obj:
    db = "attribute"


def helper(db=None):
    return db


def test_param_and_body(db, session_user):
    obj = Obj()
    assert obj.db == "attribute"
    assert helper(db=db) is db
    def closure():
        return db["name"]
    shadow = lambda db: db
    squares = [db for db in range(2)]
    assert closure() == "db"
    assert shadow(1) == 1 and squares == [0, 1]
    assert session_user == ("user", "db")
    assert "db" == db["name"]


@pytest.mark.usefixtures("db")
def test_usefixtures():
    pass


def test_dynamic(request):
    assert request.getfixturevalue("db")["name"] == "db"


@pytest.mark.parametrize("db", [1, 2], indirect=["db"])
def test_indirect(db):
    assert db["param"] in (1, 2)
