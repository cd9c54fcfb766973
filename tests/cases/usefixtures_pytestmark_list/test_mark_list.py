import pytest

pytestmark = [pytest.mark.usefixtures("first"), pytest.mark.usefixtures("second", "third")]


def test_module_marks():
    pass


@pytest.mark.usefixtures("top")
@pytest.mark.usefixtures("bottom")
def test_stacked():
    pass


@pytest.mark.usefixtures("nowhere")
def test_missing_usefixture():
    pass
