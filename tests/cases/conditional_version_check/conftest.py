import sys

import pytest

if sys.version_info >= (3, 8):

    @pytest.fixture(scope="session")
    def modern():
        return "new"

else:

    @pytest.fixture
    def modern():
        return "old"


if sys.version_info < (3,):

    @pytest.fixture
    def ancient():
        return "py2"
