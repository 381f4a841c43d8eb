"""One reconcile cycle's data: its status and exit code, what it found while running, its result,
and the words the event log uses for changes, health and the cycle's summary."""

from __future__ import annotations

from enum import Enum
from typing import Any

from kconnect.errors import ExitCode
from kconnect.health import ConnectorHealth, headline
from kconnect.planning.plan import ConnectorChange
from kconnect.reconcile.durations import format_duration
from kconnect.records import field, record


class CycleStatus(str, Enum):
    OK = "ok"  # the cluster equals the manifests and every managed connector is healthy
    UNHEALTHY = "unhealthy"  # in sync, but a connector or task is FAILED or UNASSIGNED
    # in sync, none unhealthy, but a connector whose config was just rewritten is still
    # restarting with the new config: its health is not known yet (judged next cycle)
    PENDING = "pending"
    ERROR = "error"  # the cluster could not be read, or a write failed
    INVALID = "invalid"  # the manifests are invalid; nothing was sent
    # the plan passes a safe-plan limit, or holds an unacknowledged danger; nothing was written
    UNSAFE = "unsafe"

    @property
    def exit_code(self) -> ExitCode:
        return {
            CycleStatus.OK: ExitCode.OK,
            CycleStatus.UNHEALTHY: ExitCode.UNHEALTHY,
            CycleStatus.PENDING: ExitCode.UNHEALTHY,  # not known to be healthy: never 0
            CycleStatus.ERROR: ExitCode.ERROR,
            CycleStatus.INVALID: ExitCode.ERROR,
            CycleStatus.UNSAFE: ExitCode.ERROR,
        }[self]


LEVELS = {
    CycleStatus.OK: "info",
    CycleStatus.UNHEALTHY: "warning",
    CycleStatus.PENDING: "info",
    CycleStatus.ERROR: "error",
    CycleStatus.INVALID: "error",
    CycleStatus.UNSAFE: "error",
}


@record
class CycleResult:
    cycle: int
    status: CycleStatus
    duration: float
    drift: int = 0
    writes: int = 0
    restarts: int = 0
    unhealthy: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    error: str | None = None
    pending: tuple[str, ...] = ()  # restarting with the new config, health not known yet

    @property
    def exit_code(self) -> ExitCode:
        return self.status.exit_code

    def to_dict(self) -> dict[str, Any]:
        return {
            "cycle": self.cycle,
            "result": self.status.value,
            "duration_s": round(self.duration, 4),
            "drift": self.drift,
            "writes": self.writes,
            "restarts": self.restarts,
            "unhealthy": list(self.unhealthy),
            "failed": list(self.failed),
            "error": self.error,
            "pending": list(self.pending),
        }


@record(frozen=False)
class Cycle:
    """What one cycle has found so far."""

    number: int
    started: float
    drift: int = 0
    writes: int = 0
    restarts: int = 0
    written: set[str] = field(default_factory=set)
    failed: list[str] = field(default_factory=list)
    unhealthy: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def outcome(self) -> tuple[CycleStatus, str | None]:
        """The status of a cycle that got as far as checking health, with its error."""
        if self.failed:
            return CycleStatus.ERROR, f"{len(self.failed)} connector(s) failed to apply"
        if self.unhealthy:
            return CycleStatus.UNHEALTHY, None
        if self.pending:
            return CycleStatus.PENDING, None
        return CycleStatus.OK, None


def describe_change(change: ConnectorChange) -> str:
    parts = [change.action.value]
    if change.key_changes:
        keys = ", ".join(k.key for k in change.key_changes[:8])
        more = len(change.key_changes) - 8
        parts.append(f"keys {keys}" + (f" and {more} more" if more > 0 else ""))
    if change.state_changed and change.state_after is not None:
        parts.append(f"state {change.state_before} → {change.state_after.worker_state}")
    return "; ".join(parts)


def describe_health(h: ConnectorHealth) -> str:
    text = f"connector {h.state}"
    bad = h.failed_tasks
    if bad:
        text += ", " + ", ".join(f"task {t.id} {t.state}" for t in bad)
    trace = trace_line(h.trace or next((t.trace for t in bad), ""))
    return text + (f": {trace}" if trace else "")


def trace_line(text: str) -> str | None:
    """A summarised trace as one log line: its first line and its root cause (`headline`)."""
    return headline(text) or None


def cycle_summary(result: CycleResult) -> str:
    took = format_duration(result.duration)
    if result.status is CycleStatus.INVALID:
        return f"skipped: invalid manifests ({took})"
    if result.status in (CycleStatus.ERROR, CycleStatus.UNSAFE):
        return f"failed: {result.error} ({took})"
    parts = []
    if result.drift:
        parts.append(f"{result.drift} drifted, {result.writes} write(s)")
    else:
        parts.append("in sync")
    if result.restarts:
        parts.append(f"{result.restarts} restart(s)")
    if result.unhealthy:
        parts.append(f"unhealthy: {', '.join(result.unhealthy)}")
    if result.pending:
        parts.append(f"restarting with the new config: {', '.join(result.pending)}")
    return f"{result.status.value}: {'; '.join(parts)} ({took})"
