from pytest import fixture as fx


@fx(name="renamed")
def original_name(plain):
    return plain * 2


def test_from_import(renamed, plain):
    assert renamed == "plainplain"
