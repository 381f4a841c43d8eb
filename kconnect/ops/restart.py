"""Restarting a connector, its tasks (KIP-745 options) or one task."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kconnect.errors import KconnectError, NotFoundError, UsageError
from kconnect.ops import writes
from kconnect.ops.bulk import Concurrency, Interrupt, WriteKind, for_each_connector
from kconnect.progress import Progress, WriteFinished, ignore
from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient


@record
class RestartResult:
    name: str
    restarting: tuple[str, ...]  # "connector", "task 0", ...
    include_tasks: bool = False
    only_failed: bool = False
    task: int | None = None
    error: str | None = None
    interrupted: bool = False  # Ctrl-C: never sent, or left in flight (see `error`)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "name": self.name,
            "ok": self.ok,
            "error": self.error,
            "task": self.task,
            "include_tasks": self.include_tasks,
            "only_failed": self.only_failed,
            "restarting": list(self.restarting),
        }
        return {**data, "interrupted": True} if self.interrupted else data


def _check_task_alone(task: int | None, include_tasks: bool, only_failed: bool) -> None:
    """`--task` names one task: the KIP-745 options widen a connector's restart instead."""
    if task is not None and (include_tasks or only_failed):
        raise UsageError(
            "--task restarts one task; it cannot be combined with --include-tasks or --failed-only"
        )


def restart(
    client: ConnectClient,
    name: str,
    *,
    include_tasks: bool = False,
    only_failed: bool = False,
    task: int | None = None,
) -> RestartResult:
    """Restart a connector (KIP-745 options), or one task with `task`."""
    if task is not None:
        _check_task_alone(task, include_tasks, only_failed)
        writes.restart_task(client, name, task)
        return RestartResult(name, (f"task {task}",), task=task)
    body = writes.restart(client, name, include_tasks=include_tasks, only_failed=only_failed)
    if body is None:  # 204: only the connector instance was restarted
        return RestartResult(name, ("connector",), include_tasks, only_failed)
    restarting: list[str] = []
    if (body.get("connector") or {}).get("state") == "RESTARTING":
        restarting.append("connector")
    for task_status in sorted(body.get("tasks") or [], key=lambda t: int(t.get("id", -1))):
        if task_status.get("state") == "RESTARTING":
            restarting.append(f"task {task_status.get('id')}")
    return RestartResult(name, tuple(restarting), include_tasks, only_failed)


@record
class RestartReport:
    results: tuple[RestartResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {"results": [r.to_dict() for r in self.results]}


# Words users type from other tools' syntax (`restart connector X`, `restart task X 0`).
_KIND_WORDS = frozenset({"connector", "connectors", "task", "tasks"})


def restart_many(
    client: ConnectClient,
    names: Sequence[str],
    *,
    include_tasks: bool = False,
    only_failed: bool = False,
    task: int | None = None,
    concurrency: int | Concurrency | None = None,
    progress: Progress = ignore,
    interrupt: Interrupt | None = None,
) -> RestartReport:
    """`restart` for each connector, in parallel; each failure is reported, the others go on."""
    _check_task_alone(task, include_tasks, only_failed)
    words = [n for n in dict.fromkeys(names) if n in _KIND_WORDS]
    if words:
        # `restart connector X` (kcctl's word order) would restart X, then fail on a
        # connector named "connector": say what the word is before restarting anything.
        existing = set(client.list_names())
        for word in words:
            if word not in existing:
                raise UsageError(
                    f"{word!r} is not a connector on the cluster: `kconnect restart` takes "
                    "connector names only (`kconnect restart NAME...`; one task: "
                    "`kconnect restart NAME --task ID`); nothing was restarted"
                )

    def one(name: str) -> RestartResult:
        try:
            return restart(
                client, name, include_tasks=include_tasks, only_failed=only_failed, task=task
            )
        except KconnectError as exc:
            message = exc.worker_message if isinstance(exc, NotFoundError) else exc.message
            return RestartResult(name, (), include_tasks, only_failed, task, message)

    results = for_each_connector(
        client,
        names,
        one,
        what="restart",
        kind=WriteKind.RESTART,
        finished=lambda r: WriteFinished(
            r.name, r.ok, "restarting" if r.ok else "restart", r.error
        ),
        concurrency=concurrency,
        progress=progress,
        interrupt=interrupt,
        not_done=lambda name, why: RestartResult(
            name, (), include_tasks, only_failed, task, why, interrupted=True
        ),
    )
    return RestartReport(tuple(results))
