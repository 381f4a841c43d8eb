"""Carrying out a plan: bounded parallel writes, unknown outcomes re-read, and `--wait`.

Only connectors in the plan are touched; unchanged ones get no request at all. Each
connector's own steps run in order (config, then state), connectors run in parallel.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from kconnect.errors import KconnectError
from kconnect.manifests.model import Manifest, TargetState
from kconnect.ops import writes
from kconnect.ops.bulk import Concurrency, Interrupt, WriteKind, run_parallel
from kconnect.output.redaction import redact_text
from kconnect.planning.plan import Action, ConnectorChange, Plan
from kconnect.progress import (
    Progress,
    WriteFinished,
    WritesStarted,
    ignore,
)
from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

log = logging.getLogger("kconnect.planning.apply")


@record
class Outcome:
    name: str
    action: Action
    ok: bool
    steps: tuple[str, ...] = ()  # what was done: "created", "updated", "paused", ...
    error: str | None = None
    interrupted: bool = False  # Ctrl-C: never sent, or left in flight (see `error`)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "name": self.name,
            "action": self.action.value,
            "ok": self.ok,
            "steps": list(self.steps),
            "error": self.error,
        }
        return {**data, "interrupted": True} if self.interrupted else data


@record
class ApplyResult:
    outcomes: tuple[Outcome, ...]
    unchanged: tuple[str, ...]
    retries: int = 0

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok and not o.interrupted)

    @property
    def interrupted(self) -> tuple[Outcome, ...]:
        """Changes not written because of an interrupt (or left in flight, outcome unknown)."""
        return tuple(o for o in self.outcomes if o.interrupted)

    @property
    def counts(self) -> dict[str, int]:
        ok = [o for o in self.outcomes if o.ok]
        return {
            "created": sum(o.action is Action.CREATE for o in ok),
            "updated": sum(o.action is Action.UPDATE for o in ok),
            "deleted": sum(o.action is Action.DELETE for o in ok),
            "renamed": sum(o.action is Action.RENAME for o in ok),
            "unchanged": len(self.unchanged),
            "failed": len(self.failed),
        } | ({"not_written": len(self.interrupted)} if self.interrupted else {})

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.counts,
            "results": [o.to_dict() for o in self.outcomes],
            "unchanged": list(self.unchanged),
            "retries": self.retries,
        }


@record
class WorkerFeatures:
    """What the worker's version allows; decided once from `GET /`."""

    initial_state: bool = True  # KIP-980, 3.7+
    stop: bool = True  # KIP-875, 3.5+

    @classmethod
    def from_version(cls, version: str) -> WorkerFeatures:
        parts = []
        for piece in version.split("-", maxsplit=1)[0].split(".")[:2]:
            parts.append(int(piece) if piece.isdigit() else 0)
        major_minor = (*parts, 0, 0)[:2]
        return cls(initial_state=major_minor >= (3, 7), stop=major_minor >= (3, 5))


def apply_plan(
    client: ConnectClient,
    plan: Plan,
    manifests: Mapping[str, Manifest],
    *,
    features: WorkerFeatures,
    concurrency: int | Concurrency | None = None,
    secrets: Collection[str] = (),
    progress: Progress = ignore,
    interrupt: Interrupt | None = None,
) -> ApplyResult:
    """Write every change in `plan`; a failure of one connector does not stop the others.
    `concurrency`: one limit for every kind of write, or per kind (default: `Concurrency()`).
    `progress` hears of each finished connector (`kconnect.progress`)."""
    retries_before = client.stats.retries
    if plan.changes:
        progress(WritesStarted("apply", len(plan.changes)))

    def finished(change: ConnectorChange, outcome: Outcome) -> None:
        done = ", ".join(outcome.steps) if outcome.ok else change.action.value
        progress(WriteFinished(change.name, outcome.ok, done, outcome.error))

    def run(change: ConnectorChange) -> Outcome:
        steps: list[str] = []
        try:
            _apply_change(client, change, manifests.get(change.name), features, steps)
        except KconnectError as exc:
            message = redact_text(exc.message, secrets)
            log.info("%s: %s failed: %s", change.name, change.action.value, message)
            return Outcome(change.name, change.action, False, tuple(steps), message)
        return Outcome(change.name, change.action, True, tuple(steps))

    outcomes = tuple(
        run_parallel(
            plan.changes,
            run,
            kind=write_kind,
            concurrency=concurrency,
            conflicts=client.stats.thread_conflicts,
            on_done=finished,
            interrupt=interrupt,
            not_done=lambda change, why: Outcome(
                change.name, change.action, False, (), why, interrupted=True
            ),
        )
    )
    return ApplyResult(outcomes, plan.unchanged, client.stats.retries - retries_before)


def write_kind(change: ConnectorChange) -> WriteKind:
    """What a change costs the worker most: a config update restarts the connector."""
    if change.action in (Action.CREATE, Action.RENAME):
        return WriteKind.CREATE
    if change.action is Action.DELETE:
        return WriteKind.DELETE
    return WriteKind.UPDATE if change.config_changed else WriteKind.STATE


def _apply_change(
    client: ConnectClient,
    change: ConnectorChange,
    manifest: Manifest | None,
    features: WorkerFeatures,
    steps: list[str],
) -> None:
    name = change.name
    if change.action is Action.DELETE:
        writes.delete(client, name)
        steps.append("deleted")
        return
    assert manifest is not None  # creates and updates always come from a manifest
    target = manifest.state
    if change.action is Action.RENAME:
        from kconnect.planning.rename import rename

        assert change.moved_from is not None
        rename(client, change.moved_from, manifest, steps)
        return
    if change.action is Action.CREATE:
        if target is not TargetState.RUNNING and features.initial_state:
            writes.create(client, name, manifest.config, target.worker_state)
            steps.append(f"created {target.value}")
            return
        writes.put_config(client, name, dict(manifest.config))
        steps.append("created")
        # Before KIP-980 the connector starts running before it can be paused or stopped.
        if target is not TargetState.RUNNING:
            writes.set_state(client, name, target.worker_state)
            steps.append(target.value)
        return
    if change.config_changed:
        writes.put_config(client, name, dict(manifest.config))
        steps.append("updated")
    if change.state_changed:
        writes.set_state(client, name, target.worker_state)
        steps.append("resumed" if target is TargetState.RUNNING else target.value)
