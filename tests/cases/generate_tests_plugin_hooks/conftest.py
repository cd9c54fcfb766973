pytest_plugins = ["plugins.params"]
