from pytest_mock import mocker  # noqa: F401

pytest_plugins = ["pytest_mock", "fixmig_demo.extra", "pytester"]
