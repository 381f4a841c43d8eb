"""Health of connectors and tasks, read from Connect status objects (ConnectorStateInfo)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from kconnect.output.redaction import redact_text

UNHEALTHY_STATES = frozenset({"FAILED", "UNASSIGNED"})
TRACE_LINES = 3


def trace_summary(
    trace: str | None, secrets: Collection[str] = (), lines: int = TRACE_LINES
) -> str:
    """The first lines of a Java stack trace, with any known secret value removed. The whole
    trace is redacted before it is cut: a PEM key or a value split over lines is only
    recognised whole."""
    if not trace:
        return ""
    redacted = redact_text(trace, secrets)
    return "\n".join(line.rstrip() for line in redacted.splitlines()[:lines])


@dataclass(frozen=True)
class TaskHealth:
    id: int
    state: str
    worker_id: str | None
    trace: str  # already summarised and redacted

    @property
    def healthy(self) -> bool:
        return self.state not in UNHEALTHY_STATES

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "worker_id": self.worker_id,
            "trace": self.trace or None,
        }


@dataclass(frozen=True)
class ConnectorHealth:
    name: str
    state: str  # UNKNOWN when the worker has no status yet
    worker_id: str | None
    type: str | None
    tasks: tuple[TaskHealth, ...]
    trace: str

    @property
    def healthy(self) -> bool:
        return self.state not in UNHEALTHY_STATES and all(t.healthy for t in self.tasks)

    @property
    def failed_tasks(self) -> tuple[TaskHealth, ...]:
        return tuple(t for t in self.tasks if not t.healthy)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "worker_id": self.worker_id,
            "type": self.type,
            "healthy": self.healthy,
            "trace": self.trace or None,
            "tasks": [t.to_dict() for t in self.tasks],
        }


def connector_health(
    name: str, status: Mapping[str, Any] | None, secrets: Collection[str] = ()
) -> ConnectorHealth:
    status = status or {}
    connector = status.get("connector") or {}
    tasks = tuple(
        TaskHealth(
            id=int(task.get("id", -1)),
            state=str(task.get("state", "UNKNOWN")),
            worker_id=task.get("worker_id"),
            trace=trace_summary(task.get("trace"), secrets),
        )
        for task in sorted(status.get("tasks") or [], key=lambda t: int(t.get("id", -1)))
    )
    return ConnectorHealth(
        name=name,
        state=str(connector.get("state", "UNKNOWN")),
        worker_id=connector.get("worker_id"),
        type=status.get("type"),
        tasks=tasks,
        trace=trace_summary(connector.get("trace"), secrets),
    )


def reached(health: ConnectorHealth, target: str) -> bool:
    """Whether a connector and all its tasks are in `target` (RUNNING, PAUSED or STOPPED).

    A RUNNING connector with no tasks yet is not done: right after a create or update, the
    status shows the connector before its tasks are assigned.
    """
    if health.state != target:
        return False
    if target == "RUNNING" and not health.tasks:
        return False
    # Created PAUSED or STOPPED, a connector has no tasks at all; that is fine.
    return all(t.state == target for t in health.tasks)
