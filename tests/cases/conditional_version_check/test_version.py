def test_modern(modern):
    assert modern == "new"


def test_ancient(ancient):
    pass
