from helpers import helper_resource as resource  # noqa: F401
from test_provider import provided  # noqa: F401


def test_consumer(provided, resource):
    pass


def test_original_name_unknown(helper_resource):
    pass
