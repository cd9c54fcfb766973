from helpers.fx import alpha, beta as gamma  # noqa: F401
