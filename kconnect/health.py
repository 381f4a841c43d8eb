"""Health of connectors and tasks, read from Connect status objects (ConnectorStateInfo)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from kconnect.output.redaction import redact_text
from kconnect.records import record

UNHEALTHY_STATES = frozenset({"FAILED", "UNASSIGNED"})
TRACE_LINES = 3


def summarise(trace: str, lines: int = TRACE_LINES) -> str:
    """The first lines of a Java stack trace, the last of them given to its deepest `Caused
    by:` line when that comes later: the root cause (the ES sink's `Indexing record failed`
    under `Exiting WorkerSinkTask due to unrecoverable exception`) is what a reader needs,
    and it is often far down. Only causes of the main chain count (`Caused by:` at the start
    of a line; a suppressed exception's are indented)."""
    all_lines = [line.rstrip() for line in trace.splitlines()]
    head = all_lines[:lines]
    causes = [i for i, line in enumerate(all_lines) if line.startswith("Caused by:")]
    if lines < 2 or not causes or causes[-1] < lines:
        return "\n".join(head)
    return "\n".join([*head[: lines - 1], all_lines[causes[-1]]])


def headline(summary: str, width: int = 300) -> str:
    """A summarised trace in one line: its first line, and its root cause when the summary
    holds a `Caused by:` line (`… Caused by: …`); each part cut to `width` characters."""
    lines = [line.strip() for line in summary.splitlines()]
    if not lines:
        return ""
    causes = [line for line in lines[1:] if line.startswith("Caused by:")]
    return lines[0][:width] + (f" … {causes[-1][:width]}" if causes else "")


@record
class TaskHealth:
    id: int
    state: str
    worker_id: str | None
    trace: str  # already summarised and redacted
    full_trace: str = ""  # the whole trace, redacted: what JSON output gives

    @property
    def healthy(self) -> bool:
        return self.state not in UNHEALTHY_STATES

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "worker_id": self.worker_id,
            "trace": self.full_trace or None,
        }


@record
class ConnectorHealth:
    name: str
    state: str  # UNKNOWN when the worker has no status yet
    worker_id: str | None
    type: str | None
    tasks: tuple[TaskHealth, ...]
    trace: str  # already summarised and redacted
    full_trace: str = ""  # the whole trace, redacted: what JSON output gives

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
            "trace": self.full_trace or None,
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
            trace=summarise(full),
            full_trace=full,
        )
        for task in sorted(status.get("tasks") or [], key=lambda t: int(t.get("id", -1)))
        for full in [_redacted(task.get("trace"), secrets)]
    )
    full = _redacted(connector.get("trace"), secrets)
    return ConnectorHealth(
        name=name,
        state=str(connector.get("state", "UNKNOWN")),
        worker_id=connector.get("worker_id"),
        type=status.get("type"),
        tasks=tasks,
        trace=summarise(full),
        full_trace=full,
    )


def _redacted(trace: Any, secrets: Collection[str]) -> str:
    # The whole trace is redacted before it is cut (`summarise`): a PEM key or a value split
    # over lines is only recognised whole.
    return redact_text(str(trace), secrets) if trace else ""


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
