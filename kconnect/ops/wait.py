"""Waiting until connectors reach a state: `apply --wait` and `pause/resume/stop --wait`.

Polls the whole cluster with one request per round; a FAILED seen right after a write counts
only once it has lasted `failure_grace` seconds."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kconnect.errors import ConnectError
from kconnect.health import ConnectorHealth, connector_health, reached
from kconnect.manifests.model import TargetState
from kconnect.ops.bulk import Interrupt
from kconnect.progress import Progress, WaitPolled, WaitStarted, ignore

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

log = logging.getLogger("kconnect.ops.wait")


@dataclass(frozen=True)
class WaitResult:
    reached: tuple[str, ...]
    failed: tuple[ConnectorHealth, ...]
    timed_out: tuple[ConnectorHealth, ...]
    elapsed: float = 0.0
    interrupted: bool = False  # Ctrl-C: `timed_out` holds those still waited for

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
        } | ({"interrupted": True} if self.interrupted else {})


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
    interrupt: Interrupt | None = None,
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
        failing: set[str] = set()
        if snapshot is not None:
            for name, target in list(pending.items()):
                health = connector_health(name, (snapshot.get(name) or {}).get("status"), secrets)
                last[name] = health
                if reached(health, target.worker_state):
                    done.append(name)
                    del pending[name]
                    observed.first_failed_at.pop(name, None)
                elif not health.healthy:
                    if "FAILED" in (health.state, *(t.state for t in health.tasks)):
                        failing.add(name)  # shown at once; UNASSIGNED is often a rebalance
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
                frozenset(failing),
            )
        )
        if not pending or now - start >= timeout:
            break
        pause = min(poll_interval, max(0.0, timeout - (now - start)))
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
    )
