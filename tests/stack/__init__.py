"""A real Kafka + Kafka Connect + MariaDB stack for integration tests (no Docker); see stack.py."""

from tests.stack.stack import MariaDB, Stack, StackError

__all__ = ["MariaDB", "Stack", "StackError"]
