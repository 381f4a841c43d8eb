"""The one seam for everything kconnect writes: stdout for data, stderr for logs and errors.

Secret values are masked where they are first handled (plans, status, errors). As a second
line of defence every known secret value — from manifests, live configs and credentials —
is registered here, and the streams below replace it before a byte leaves the process.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, TYPE_CHECKING, Any

from kconnect.output.redaction import redact

if TYPE_CHECKING:
    from rich.console import Console


class RedactingStream:
    """A text stream wrapper that masks registered secrets in everything written."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def stdout() -> RedactingStream:
    return RedactingStream(sys.stdout)


def stderr() -> RedactingStream:
    return RedactingStream(sys.stderr)


def console(*, err: bool = False) -> Console:
    import os

    from rich.console import Console

    stream = stderr() if err else stdout()
    # Piped output is read by scripts and grep: never wrap or truncate it (tables would cut
    # long class names to fit 80 columns). A terminal gets its own width.
    piped = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(
        file=stream,  # type: ignore[arg-type]
        highlight=False,
        soft_wrap=True,
        emoji=False,
        width=1000 if piped else None,
    )


def write_json(document: Any) -> None:
    import json

    out = stdout()
    out.write(json.dumps(document, indent=2, sort_keys=False) + "\n")
    out.flush()


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(verbosity: int) -> None:
    """-v: retries and re-reads; -vv: every request. Logs go to stderr, never stdout."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(stderr())
    handler.setFormatter(_RedactingFormatter("kconnect: %(message)s"))
    root = logging.getLogger("kconnect")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # httpx logs every request at INFO including the URL; ours already covers that at -vv.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
