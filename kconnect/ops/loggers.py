"""Reading and setting worker log levels (KIP-495, KIP-976)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kconnect.errors import InputError, UsageError
from kconnect.ops import writes
from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

LOG_LEVELS = ("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL")
LOGGER_SCOPES = ("worker", "cluster")


@record
class LoggerChange:
    logger: str
    level: str
    scope: str
    changed: tuple[str, ...] | None  # None for scope=cluster (204, applied by every worker)
    cluster_ignored: bool = False  # a pre-3.7 worker applied a cluster request locally only

    def to_dict(self) -> dict[str, Any]:
        return {
            "logger": self.logger,
            "level": self.level,
            "scope": self.scope,
            "changed": list(self.changed) if self.changed is not None else None,
            "cluster_scope_ignored": self.cluster_ignored,
        }


def check_level(level: str) -> str:
    upper = level.upper()
    if upper not in LOG_LEVELS:
        raise InputError(f"invalid log level {level!r} (choose from {', '.join(LOG_LEVELS)})")
    return upper


def set_logger(client: ConnectClient, logger: str, level: str, scope: str) -> LoggerChange:
    level = check_level(level)
    if scope not in LOGGER_SCOPES:
        raise UsageError(f"--scope must be worker or cluster, not {scope!r}")
    changed = writes.set_logger(client, logger, level, scope)
    if scope == "cluster":
        # Before 3.7 (KIP-976) the worker ignores `scope` and answers with its own list.
        ignored = changed is not None
        return LoggerChange(
            logger, level, scope, tuple(changed or ()) if ignored else None, ignored
        )
    return LoggerChange(logger, level, scope, tuple(changed or ()))


def loggers(client: ConnectClient, name: str | None = None) -> dict[str, dict[str, Any]]:
    """All loggers, or one (`root` is the root logger); `last_modified` is 3.7+."""
    if name is None:
        return dict(sorted(client.loggers().items()))
    return {name: client.logger(name)}
