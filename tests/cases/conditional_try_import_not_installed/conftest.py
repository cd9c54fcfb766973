import pytest

try:
    import fixmig_module_installed_nowhere as backend

    @pytest.fixture
    def arrow_table():
        return backend.table()

except ImportError:

    @pytest.fixture
    def fallback_table():
        return []


try:
    import json

    @pytest.fixture
    def json_module():
        return json

except ImportError:
    pass
