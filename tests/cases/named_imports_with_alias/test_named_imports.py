from helpers.fx import named_delta  # noqa: F401


def test_aliases(alpha, gamma, delta):
    assert gamma == "b"


def test_original_name_of_alias(beta):
    pass
