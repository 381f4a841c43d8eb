"""Deleting connectors by name, in parallel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kconnect.ops import writes
from kconnect.ops.bulk import Concurrency, Interrupt, WriteKind, for_each_connector, write_error
from kconnect.progress import Progress, WriteFinished, ignore
from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient


@record
class Deleted:
    name: str
    deleted: bool
    error: str | None = None
    interrupted: bool = False  # Ctrl-C: never sent, or left in flight (see `error`)

    def to_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "deleted": self.deleted, "error": self.error}
        return {**data, "interrupted": True} if self.interrupted else data


@record
class DeleteReport:
    results: tuple[Deleted, ...]

    @property
    def ok(self) -> bool:
        return all(r.deleted for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {"results": [r.to_dict() for r in self.results]}


def delete_connectors(
    client: ConnectClient,
    names: Sequence[str],
    *,
    concurrency: int | Concurrency | None = None,
    progress: Progress = ignore,
    interrupt: Interrupt | None = None,
) -> DeleteReport:
    """Delete each named connector; an unknown outcome is re-read (a delete that happened is
    reported as deleted), a failure is reported and the others go on."""

    def one(name: str) -> Deleted:
        error = write_error(name, lambda: writes.delete(client, name))
        return Deleted(name, error is None, error)

    results = for_each_connector(
        client,
        names,
        one,
        what="delete",
        kind=WriteKind.DELETE,
        finished=lambda d: WriteFinished(
            d.name, d.deleted, "deleted" if d.deleted else "delete", d.error
        ),
        concurrency=concurrency,
        progress=progress,
        interrupt=interrupt,
        not_done=lambda name, why: Deleted(name, False, why, interrupted=True),
    )
    return DeleteReport(tuple(results))
