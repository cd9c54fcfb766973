import pytest


@pytest.mark.parametrize(
    "fixture_name",
    [
        "int_frame",
        "float_frame",
        pytest.param("float_frame", id="again"),
    ],
)
def test_info(fixture_name, request):
    frame = request.getfixturevalue(fixture_name)
    assert len(frame) == 1


@pytest.mark.parametrize("name, kind", [("float_frame", float), ("int_frame", int)])
def test_kinds(name, kind, request):
    assert isinstance(request.getfixturevalue(name)[0], kind)
