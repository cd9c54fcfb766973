from tests.conftest import shared_db  # noqa: F401

from ..conftest import helper as helper_alias  # noqa: F401
