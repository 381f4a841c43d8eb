"""kconnect: Kafka Connect connectors as code."""

__version__ = "0.1.0"
