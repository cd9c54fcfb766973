import pytest

needs_login = pytest.mark.usefixtures("token")
