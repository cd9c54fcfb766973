pytest_plugins = "plugins.db_plugin"
