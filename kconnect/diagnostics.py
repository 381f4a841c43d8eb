"""Source locations and problems: what validation and lint report, each at a file:line."""

from __future__ import annotations

from enum import Enum
from typing import Any, NamedTuple

from kconnect.records import record


class Location(NamedTuple):
    """A place in a manifest file; `line` is 1-based, as editors count."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    # What kconnect did with something it does not manage (a skipped KafkaConnect resource),
    # or what it offers in place of an operator feature: information, never a failure.
    NOTE = "note"


@record
class Problem:
    """One finding. `rule` is a stable id users can look up and grep for."""

    severity: Severity
    rule: str
    message: str
    location: Location | None = None
    hint: str | None = None
    connector: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def is_warning(self) -> bool:
        return self.severity is Severity.WARNING

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity.value}: {self.message} [{self.rule}]"

    def sort_key(self) -> tuple[str, int, str, str]:
        loc = self.location or Location("", 0)
        return (loc.path, loc.line, self.rule, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "rule": self.rule,
            "message": self.message,
            "file": self.location.path if self.location else None,
            "line": self.location.line if self.location else None,
            "hint": self.hint,
            "connector": self.connector,
        }


def error(rule: str, message: str, location: Location | None = None, **kw: Any) -> Problem:
    return Problem(Severity.ERROR, rule, message, location, **kw)


def warning(rule: str, message: str, location: Location | None = None, **kw: Any) -> Problem:
    return Problem(Severity.WARNING, rule, message, location, **kw)


def note(rule: str, message: str, location: Location | None = None, **kw: Any) -> Problem:
    return Problem(Severity.NOTE, rule, message, location, **kw)
