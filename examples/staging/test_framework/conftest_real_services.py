"""Real service fixtures, loaded only when the root conftest says so."""
import pytest


@pytest.fixture(scope="session")
def real_services_fixture():
    """Connections to the real backing services of the staging environment."""
    return {"backend": "https://staging.example.invalid", "auth": "token"}
