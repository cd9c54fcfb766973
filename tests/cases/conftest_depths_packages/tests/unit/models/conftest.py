import pytest


@pytest.fixture
def layer(layer):
    return layer + "/models"
