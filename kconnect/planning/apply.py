"""Carrying out a plan: bounded parallel writes, unknown outcomes re-read, and `--wait`.

Only connectors in the plan are touched; unchanged ones get no request at all. Each
connector's own steps run in order (config, then state), connectors run in parallel.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from kconnect.api.client import ConnectClient
from kconnect.errors import ConnectError, KconnectError
from kconnect.health import ConnectorHealth, connector_health, reached
from kconnect.manifests.model import Manifest, TargetState
from kconnect.ops import writes
from kconnect.ops.bulk import Concurrency, WriteKind, run_parallel
from kconnect.output.redaction import redact_text
from kconnect.planning.plan import Action, ConnectorChange, Plan
from kconnect.progress import (
    Progress,
    WaitPolled,
    WaitStarted,
    WriteFinished,
    WritesStarted,
    ignore,
)

log = logging.getLogger("kconnect.planning.apply")


@dataclass(frozen=True)
class Outcome:
    name: str
    action: Action
    ok: bool
    steps: tuple[str, ...] = ()  # what was done: "created", "updated", "paused", ...
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "action": self.action.value,
            "ok": self.ok,
            "steps": list(self.steps),
            "error": self.error,
        }


@dataclass(frozen=True)
class ApplyResult:
    outcomes: tuple[Outcome, ...]
    unchanged: tuple[str, ...]
    retries: int = 0

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)

    @property
    def counts(self) -> dict[str, int]:
        ok = [o for o in self.outcomes if o.ok]
        return {
            "created": sum(o.action is Action.CREATE for o in ok),
            "updated": sum(o.action is Action.UPDATE for o in ok),
            "deleted": sum(o.action is Action.DELETE for o in ok),
            "unchanged": len(self.unchanged),
            "failed": len(self.failed),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.counts,
            "results": [o.to_dict() for o in self.outcomes],
            "unchanged": list(self.unchanged),
            "retries": self.retries,
        }


@dataclass(frozen=True)
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
        )
    )
    return ApplyResult(outcomes, plan.unchanged, client.stats.retries - retries_before)


def write_kind(change: ConnectorChange) -> WriteKind:
    """What a change costs the worker most: a config update restarts the connector."""
    if change.action is Action.CREATE:
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


# -- waiting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitResult:
    reached: tuple[str, ...]
    failed: tuple[ConnectorHealth, ...]
    timed_out: tuple[ConnectorHealth, ...]
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.timed_out

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "reached": list(self.reached),
            "failed": [h.to_dict() for h in self.failed],
            "timed_out": [h.to_dict() for h in self.timed_out],
            "elapsed_seconds": round(self.elapsed, 3),
        }


@dataclass
class _Observed:
    first_failed_at: dict[str, float] = field(default_factory=dict)


def wait_for_states(
    client: ConnectClient,
    targets: Mapping[str, TargetState],
    *,
    timeout: float,
    poll_interval: float = 1.0,
    failure_grace: float = 3.0,
    secrets: Collection[str] = (),
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress = ignore,
) -> WaitResult:
    """Poll the whole cluster (one request per round) until every connector in `targets`
    and all its tasks reach the desired state, one fails, or `timeout` passes.

    Status lags behind writes, so a FAILED seen right after an update may be the old state:
    a failure counts only once it has been seen for `failure_grace` seconds.
    """
    start = clock()
    observed = _Observed()
    pending = dict(targets)
    done: list[str] = []
    failed: dict[str, ConnectorHealth] = {}
    last: dict[str, ConnectorHealth] = {}
    progress(WaitStarted({n: t.worker_state for n, t in targets.items()}, timeout))
    while True:
        read_error = None
        try:
            snapshot = client.list_expanded()
        except ConnectError as exc:
            if client.reachability.is_open:
                raise  # silent for the whole unreachable budget: dead, not restarting
            # A worker restarting mid-wait is not a verdict on the connectors; keep polling.
            log.info("status read failed while waiting: %s", exc.message)
            snapshot, read_error = None, exc.message
        now = clock()
        round_names = list(pending)
        if snapshot is not None:
            for name, target in list(pending.items()):
                health = connector_health(name, (snapshot.get(name) or {}).get("status"), secrets)
                last[name] = health
                if reached(health, target.worker_state):
                    done.append(name)
                    del pending[name]
                    observed.first_failed_at.pop(name, None)
                elif not health.healthy:
                    first = observed.first_failed_at.setdefault(name, now)
                    if now - first >= failure_grace:
                        failed[name] = health
                        del pending[name]
                else:
                    observed.first_failed_at.pop(name, None)
        progress(
            WaitPolled(
                now - start,
                timeout,
                tuple(last.get(n) or connector_health(n, None) for n in round_names),
                frozenset(n for n in round_names if n in done),
                frozenset(n for n in round_names if n in failed),
                read_error,
            )
        )
        if not pending or now - start >= timeout:
            break
        sleep(min(poll_interval, max(0.0, timeout - (now - start))))
    timed_out = tuple(last.get(name) or connector_health(name, None) for name in sorted(pending))
    return WaitResult(
        tuple(sorted(done)),
        tuple(failed[n] for n in sorted(failed)),
        timed_out,
        clock() - start,
    )
