def test_flavour(flavour, size):
    assert size in (1, 2)


def test_region(region):
    assert region in ("eu", "us")


def test_region_with_flavour(region, flavour, size):
    # The `-p` plugin's condition excludes it: `region` is the plugin's fixture.
    assert region == "fixture region"


def test_size_alone(size):
    # `size` is parametrized only with `flavour`.
    pass
