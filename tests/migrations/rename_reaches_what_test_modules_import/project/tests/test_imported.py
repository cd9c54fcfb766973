from helpers.checks import test_shared  # noqa: F401
