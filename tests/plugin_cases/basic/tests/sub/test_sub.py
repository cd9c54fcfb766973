import pytest


def test_sub_mocker(mocker):
    pass


@pytest.mark.usefixtures("demo_star", "class_mocker")
def test_usefixtures(capsys):
    pass
