"""The one error hierarchy of kconnect, and the exit codes it maps to.

Every error a user can cause or meet (bad manifests, an unreachable worker, an API refusal)
is a `KconnectError`; the CLI's single handler prints its message without a traceback and
exits with its `exit_code`. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kconnect.diagnostics import Problem


class ExitCode(IntEnum):
    """Documented exit codes (docs/commands.md, "Exit codes")."""

    OK = 0
    ERROR = 1
    CHANGES_PENDING = 2
    UNHEALTHY = 3
    USAGE = 64
    INTERRUPTED = 130


class KconnectError(Exception):
    """Root of every expected error."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str) -> None:
        # Error messages quote worker text and URLs: redacted as the error is made, so no
        # renderer, log line or `str(exc)` can show a secret (the output seam checks again).
        from kconnect.output.redaction import redact_text

        message = redact_text(message)
        super().__init__(message)
        self.message = message


class UsageError(KconnectError):
    """The command line itself is wrong (bad flag combination, missing argument)."""

    exit_code = ExitCode.USAGE


class InputError(KconnectError):
    """A file or value the command was given is invalid (an offsets file, an export that would
    overwrite files, a log level): exit 1. 64 is kept for a command line that cannot be parsed
    or whose flags contradict each other."""


class ConfigError(KconnectError):
    """kconnect's own configuration (contexts, credentials, TLS files) is unusable."""


class ManifestError(KconnectError):
    """One or more manifests are invalid; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.is_error]
        first = errors[0] if errors else (self.problems[0] if self.problems else None)
        summary = f"{len(errors)} invalid manifest problem(s)"
        super().__init__(f"{summary}: {first}" if first else summary)


class ConnectError(KconnectError):
    """Base of failures talking to the Kafka Connect REST API."""


class ConnectUnreachable(ConnectError):
    """No HTTP answer at all (refused, reset, DNS, TLS handshake, timeout), after retries."""


class ApiError(ConnectError):
    """The worker answered with an error status; `message` is the worker's own text."""

    def __init__(self, status: int, message: str, *, method: str = "", path: str = "") -> None:
        self.status = status
        from kconnect.output.redaction import redact_text

        self.worker_message = redact_text(message)
        self.method = method
        self.path = path
        where = f"{method} {path}: " if method else ""
        super().__init__(f"{where}HTTP {status}: {message}")


class UnexpectedAnswer(ApiError):
    """A successful status whose body is not what the endpoint returns (shape checked in
    `kconnect.api.answers`): a proxy page, another service on the port, a broken worker."""


class Redirected(UnexpectedAnswer):
    """A 3xx: never followed, since credentials must not travel to another host."""


class NotFoundError(ApiError):
    """404: the connector, task, plugin or logger does not exist."""


class ConflictError(ApiError):
    """409: a rebalance or a concurrent change; retried by the client before it surfaces."""


class UnsupportedByWorker(ConnectError):
    """The worker's version lacks a feature (for example `stop`, KIP-875, needs 3.5)."""


class UnknownOutcome(ConnectError):
    """A write may or may not have happened (worker said "Request timed out", or the
    connection dropped after sending). The caller re-reads instead of repeating it."""


class Unhealthy(KconnectError):
    """A connector or task is FAILED/UNASSIGNED, or `--wait` did not reach the desired state."""

    exit_code = ExitCode.UNHEALTHY


class Aborted(KconnectError):
    """The user declined a confirmation, or a non-interactive run lacked `--yes`."""
