"""Waiting until connectors reach a state: `apply --wait` and `pause/resume/stop --wait`.

Polls the whole cluster with one request per round; a FAILED seen right after a write counts
only once it has lasted `failure_grace` seconds. A connector whose config was just rewritten
is judged only once the worker has restarted it with the new config: until then its status is
the old instance's, whose RUNNING says nothing about the new config (`Rewritten`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

from kconnect.errors import ConnectError
from kconnect.health import ConnectorHealth, connector_health, reached
from kconnect.manifests.model import TargetState
from kconnect.ops.bulk import Interrupt
from kconnect.progress import Progress, WaitPolled, WaitStarted, ignore
from kconnect.records import field, record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

log = logging.getLogger("kconnect.ops.wait")


# After a config update a real worker (4.3, two workers) showed the new task configs 0.1-0.5 s
# after the write, and the new tasks' status some tens of milliseconds after those: a status
# counts once it was read this long after the new task configs were first seen.
RESTART_SETTLE = 1.0


class Evidence(Enum):
    """What a connector's task configs say about the config its tasks were started with."""

    NEW = "new"  # a changed key carries its new value, none its old one
    OLD = "old"  # a changed key still carries its old value: not restarted yet
    NONE = "none"  # no task, or the tasks carry none of the changed keys


def _is_reference(value: str | None) -> bool:
    # The worker keeps `${provider:path:key}` unresolved in task configs only where the task's
    # value equals the resolved one; such a key proves nothing either way.
    return value is not None and "${" in value


@record
class Rewritten:
    """A connector whose config a write just changed: each changed key with its value before
    and after (None: absent). Until the worker restarts the connector with the new config, its
    status is the old instance's."""

    changed: Mapping[str, tuple[str | None, str | None]]

    @classmethod
    def between(cls, before: Mapping[str, Any], after: Mapping[str, Any]) -> Rewritten:
        old = {str(k): str(v) for k, v in before.items()}
        new = {str(k): str(v) for k, v in after.items()}
        keys = sorted(old.keys() | new.keys())
        return cls({k: (old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)})

    def evidence(
        self, task_configs: Sequence[Mapping[str, Any]]
    ) -> tuple[Evidence, tuple[str, ...]]:
        """Whether the task configs (`GET /connectors/{name}/tasks`) come from the new config;
        with the keys that say so (those that still hold an old value, for OLD). Connectors
        commonly copy their whole config into each task's; one that derives its own proves
        nothing (NONE)."""
        confirmed: set[str] = set()
        stale: set[str] = set()
        for entry in task_configs:
            config = entry.get("config") or {}
            for key, (before, after) in self.changed.items():
                if key not in config or _is_reference(before) or _is_reference(after):
                    continue
                value = str(config[key])
                if value == after:
                    confirmed.add(key)
                elif value == before:
                    stale.add(key)
        if stale:
            return Evidence.OLD, tuple(sorted(stale))
        return (Evidence.NEW if confirmed else Evidence.NONE), tuple(sorted(confirmed))


@record
class WaitResult:
    reached: tuple[str, ...]
    failed: tuple[ConnectorHealth, ...]
    timed_out: tuple[ConnectorHealth, ...]
    elapsed: float = 0.0
    interrupted: bool = False  # Ctrl-C: `timed_out` holds those still waited for
    # Timed out before the worker was seen running the new config: the keys whose old value
    # its task configs still held (empty: they never showed which config they came from).
    not_restarted: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

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
            "not_restarted": {n: list(keys) for n, keys in self.not_restarted.items()},
        } | ({"interrupted": True} if self.interrupted else {})


@record(frozen=False)
class _Observed:
    first_failed_at: dict[str, float] = field(default_factory=dict)
    # Rewritten connectors: when their task configs were first seen to come from the new
    # config, and the last evidence (with its keys) for those not seen so yet.
    restarted_at: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, tuple[Evidence, tuple[str, ...]]] = field(default_factory=dict)

    def judgeable(
        self,
        name: str,
        rewritten: Mapping[str, Rewritten],
        read_at: float,
        start: float,
        grace: float,
    ) -> bool:
        """Whether a status read at `read_at` can say the connector reached its state: not
        for a rewritten connector until the worker is known to run the new config."""
        if name not in rewritten:
            return True
        if name in self.restarted_at:
            return read_at >= self.restarted_at[name] + RESTART_SETTLE
        # Task configs that cannot tell old from new: judge once a restart had time to happen.
        kind, _keys = self.evidence.get(name, (Evidence.NONE, ()))
        return kind is Evidence.NONE and name in self.evidence and read_at >= start + grace

    def failure_counts(
        self,
        name: str,
        failing: bool,
        rewritten: Mapping[str, Rewritten],
        read: tuple[float, float],
        *,
        start: float,
        grace: float,
    ) -> bool:
        """Whether a not-healthy status (read from `read[0]` to `read[1]`) is a verdict: seen
        so for `grace` seconds, which covers a status that lags the write; or a FAILED read
        once the worker was seen running the new config, and settled: the new config's."""
        read_at, now = read
        first = self.first_failed_at.setdefault(name, now)
        if now - first >= grace:
            return True
        return (
            failing
            and name in self.restarted_at
            and self.judgeable(name, rewritten, read_at, start, grace)
        )

    def next_pause(self, pending: Collection[str], now: float, poll_interval: float) -> float:
        """The poll interval, stretched so that a connector whose restart was just seen is
        read again once its settle time has passed, not a round later."""
        due = [self.restarted_at[n] + RESTART_SETTLE for n in pending if n in self.restarted_at]
        if due and now + poll_interval < min(due):
            return min(due) - now
        return poll_interval

    def old_keys(self, name: str) -> tuple[str, ...]:
        kind, keys = self.evidence.get(name, (Evidence.NONE, ()))
        return keys if kind is Evidence.OLD else ()

    def read_task_configs(
        self, client: ConnectClient, name: str, rewritten: Rewritten, clock: Callable[[], float]
    ) -> None:
        try:
            task_configs = client.tasks(name)
        except ConnectError as exc:
            log.info("task configs of %s not read while waiting: %s", name, exc.message)
            return
        found = rewritten.evidence(task_configs)
        self.evidence[name] = found
        if found[0] is Evidence.NEW:
            self.restarted_at[name] = clock()


def wait_for_states(
    client: ConnectClient,
    targets: Mapping[str, TargetState],
    *,
    timeout: float,
    poll_interval: float = 1.0,
    failure_grace: float = 3.0,
    secrets: Collection[str] = (),
    rewritten: Mapping[str, Rewritten] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress = ignore,
    interrupt: Interrupt | None = None,
) -> WaitResult:
    """Poll the whole cluster (one request per round) until every connector in `targets`
    and all its tasks reach the desired state, one fails, or `timeout` passes.

    Status lags behind writes, so a FAILED seen right after an update may be the old state:
    a failure counts only once it has been seen for `failure_grace` seconds. A RUNNING seen
    right after an update may be the old instance's too: for the connectors in `rewritten`,
    the task configs are read (one request each per round) until they show the new config,
    and only a status read `RESTART_SETTLE` seconds after that counts as reached. Task configs
    that cannot tell old from new (a connector that does not copy its config into them)
    count after `failure_grace` seconds. A FAILED read once a rewritten connector's restart
    has settled counts at once: it is the new config's.
    """
    rewritten = rewritten or {}
    start = clock()
    observed = _Observed()
    pending = dict(targets)
    done: list[str] = []
    failed: dict[str, ConnectorHealth] = {}
    last: dict[str, ConnectorHealth] = {}
    progress(WaitStarted({n: t.worker_state for n, t in targets.items()}, timeout))
    while True:
        read_error = None
        read_at = clock()
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
        failing: set[str] = set()
        if snapshot is not None:
            for name, target in list(pending.items()):
                health = connector_health(name, (snapshot.get(name) or {}).get("status"), secrets)
                last[name] = health
                if reached(health, target.worker_state) and observed.judgeable(
                    name, rewritten, read_at, start, failure_grace
                ):
                    done.append(name)
                    del pending[name]
                    observed.first_failed_at.pop(name, None)
                elif not health.healthy:
                    if "FAILED" in (health.state, *(t.state for t in health.tasks)):
                        failing.add(name)  # shown at once; UNASSIGNED is often a rebalance
                    if observed.failure_counts(
                        name,
                        name in failing,
                        rewritten,
                        (read_at, now),
                        start=start,
                        grace=failure_grace,
                    ):
                        failed[name] = health
                        del pending[name]
                else:
                    observed.first_failed_at.pop(name, None)
            for name in sorted(pending.keys() & rewritten.keys() - observed.restarted_at.keys()):
                observed.read_task_configs(client, name, rewritten[name], clock)
        progress(
            WaitPolled(
                now - start,
                timeout,
                tuple(last.get(n) or connector_health(n, None) for n in round_names),
                frozenset(n for n in round_names if n in done),
                frozenset(n for n in round_names if n in failed),
                read_error,
                frozenset(failing),
            )
        )
        if not pending or now - start >= timeout:
            break
        pause = observed.next_pause(pending, clock(), poll_interval)
        pause = min(pause, max(0.0, timeout - (now - start)))
        if interrupt is not None:
            if interrupt.wait(pause):
                break  # Ctrl-C: report what is known, wait no longer
        else:
            sleep(pause)
    timed_out = tuple(last.get(name) or connector_health(name, None) for name in sorted(pending))
    return WaitResult(
        tuple(sorted(done)),
        tuple(failed[n] for n in sorted(failed)),
        timed_out,
        clock() - start,
        interrupted=bool(pending) and interrupt is not None and interrupt.is_set(),
        not_restarted={
            name: observed.old_keys(name)
            for name in sorted(pending)
            if name in rewritten and name not in observed.restarted_at
        },
    )
