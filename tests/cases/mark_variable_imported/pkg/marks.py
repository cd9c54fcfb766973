import functools

import pytest

fmt_params = pytest.mark.parametrize(
    "fmt",
    [pytest.param(2, id="fmt=2"), pytest.param(3, id="fmt=3")],
)

uses_db = pytest.mark.usefixtures("db")

level_params = pytest.mark.parametrize("level", [1, 2])


def identity(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper
