"""fixmig's demo plugin: fixtures reached through imports, `pytest_plugins` and overrides."""
