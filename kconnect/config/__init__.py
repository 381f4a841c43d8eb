"""Where kconnect finds its cluster: settings from flags and the environment (`settings.py`),
and named contexts from the config file (`contexts.py`)."""
