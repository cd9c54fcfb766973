def test_present(present):
    assert present == "present"


def test_ghost(present, ghost):
    pass


def test_phantom(phantom, ghost):
    pass
