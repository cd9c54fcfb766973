import pytest


@pytest.fixture(params=["python", "pyarrow"])
def dtype_args(request):
    return request.param


dtype_args2 = dtype_args
