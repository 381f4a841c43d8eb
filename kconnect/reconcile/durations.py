"""Durations as the reconcile command line takes and the event log shows them."""

from __future__ import annotations

import re

from kconnect.errors import UsageError

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parse_duration(text: str, *, what: str = "duration") -> float:
    """Seconds from `30s`, `5m`, `1h`, `1m30s`, `250ms` or plain seconds (`30`, `0.5`)."""
    raw = text.strip().lower()
    if _NUMBER.fullmatch(raw):
        seconds = float(raw)
    else:
        parts = _DURATION.findall(raw)
        if not parts or "".join(n + u for n, u in parts) != raw:
            raise UsageError(
                f"invalid {what} {text!r}: use a number of seconds or a duration like "
                "30s, 5m, 1h or 1m30s"
            )
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise UsageError(f"invalid {what} {text!r}: must be greater than zero")
    return seconds


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 120:
        return f"{seconds:.3g}s"
    if seconds < 7200:
        return f"{seconds / 60:.3g}m"
    return f"{seconds / 3600:.3g}h"
