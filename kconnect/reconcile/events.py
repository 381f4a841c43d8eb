"""The reconcile loop's event log: one line per event, a JSON object or human text, written
through `kconnect.output.console` so that registered secrets are masked."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import IO, Any


def now_iso(wall: float) -> str:
    stamp = datetime.fromtimestamp(wall, tz=timezone.utc).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class EventLog:
    """One line per event: a JSON object (`json=True`) or human text.

    Lines go to `stream` (default: kconnect's redacting stdout). Values are redacted before
    JSON encoding too, since escaping could hide a secret from the stream's own redaction.
    """

    def __init__(
        self,
        *,
        json_lines: bool = False,
        stream: IO[str] | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.json_lines = json_lines
        self._stream = stream
        self._wall_clock = wall_clock
        self._lock = threading.Lock()

    def _out(self) -> Any:
        if self._stream is not None:
            return self._stream
        from kconnect.output.console import stdout

        return stdout()

    def emit(
        self,
        event: str,
        message: str,
        *,
        level: str = "info",
        cycle: int | None = None,
        **fields: Any,
    ) -> None:
        from kconnect.output.console import json_text, safe_text

        stamp = now_iso(self._wall_clock())
        if self.json_lines:
            record: dict[str, Any] = {"time": stamp, "level": level, "event": event}
            if cycle is not None:
                record["cycle"] = cycle
            record.update({k: v for k, v in fields.items() if v is not None})
            record["message"] = message
            line = json_text(record, indent=None)
        else:
            prefix = f"{stamp} "
            if level != "info":
                prefix += f"{level.upper()} "
            if cycle is not None:
                prefix += f"[cycle {cycle}] "
            line = safe_text(prefix + message).replace("\n", "\n    ")
        with self._lock:
            out = self._out()
            out.write(line + "\n")
            out.flush()
