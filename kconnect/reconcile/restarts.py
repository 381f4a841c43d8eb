"""Automatic restarts (`reconcile --auto-restart`): FAILED connectors and tasks restarted with a
growing backoff per connector, forgotten once the connector has stayed healthy long enough."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from kconnect.errors import KconnectError
from kconnect.health import ConnectorHealth
from kconnect.manifests.model import Manifest, TargetState
from kconnect.reconcile.cycle import Cycle
from kconnect.reconcile.durations import format_duration
from kconnect.reconcile.metrics import ReconcileMetrics
from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient


@record
class RestartPolicy:
    """Backoff between automatic restarts of one connector.

    The first restart happens as soon as a failure is seen; then the connector must wait
    `base` × 1, 2, 6, 12, 20, 30, … (n·(n−1) from the second wait on), at most `cap`. The
    backoff is forgotten once the connector has stayed healthy for `reset_after`.
    """

    base: float = 60.0
    cap: float = 1800.0
    reset_after: float = 600.0

    def delay(self, attempts: int) -> float:
        """The wait after the `attempts`-th restart (1-based)."""
        factor = 1 if attempts <= 1 else attempts * (attempts - 1)
        return float(min(self.cap, self.base * factor))


@record(frozen=False)
class Backoff:
    attempts: int = 0
    next_allowed: float = 0.0
    delay: float = 0.0
    healthy_since: float | None = None


def restart_failed(
    cycle: Cycle,
    manifests: Mapping[str, Manifest],
    health: Mapping[str, ConnectorHealth],
    *,
    backoff: dict[str, Backoff],
    policy: RestartPolicy,
    client: ConnectClient,
    metrics: ReconcileMetrics,
    clock: Callable[[], float],
    emit: Callable[..., None],
) -> None:
    """Restart the FAILED connectors and tasks of `health` that are due, recording each
    connector's backoff in `backoff` (kept by the caller from cycle to cycle); `emit(event,
    message, **fields)` logs each decision."""
    now = clock()
    for name, h in health.items():
        state = backoff.get(name)
        failed = h.state == "FAILED" or any(t.state == "FAILED" for t in h.tasks)
        if not failed:
            if state is not None and h.healthy:
                if state.healthy_since is None:
                    state.healthy_since = now
                elif now - state.healthy_since >= policy.reset_after:
                    del backoff[name]
                    emit(
                        "backoff_reset",
                        f"{name}: healthy for {format_duration(now - state.healthy_since)}; "
                        "restart backoff reset",
                        connector=name,
                        action="restart",
                        result="reset",
                    )
            continue
        if manifests[name].state is not TargetState.RUNNING or name in cycle.written:
            # A paused or stopped connector is not ours to restart; one just written was
            # restarted by the write and its status may be stale.
            continue
        state = backoff.setdefault(name, Backoff())
        state.healthy_since = None
        if now < state.next_allowed:
            emit(
                "restart_deferred",
                f"{name}: still FAILED; next restart in "
                f"{format_duration(state.next_allowed - now)} "
                f"(backoff {format_duration(state.delay)}, {state.attempts} restart(s) so far)",
                level="warning",
                connector=name,
                action="restart",
                result="deferred",
                attempts=state.attempts,
                backoff_s=state.delay,
                next_restart_in_s=round(state.next_allowed - now, 3),
            )
            continue
        started = clock()
        try:
            client.restart(name, include_tasks=True, only_failed=True)
        except KconnectError as exc:
            metrics.record_failure("restart")
            emit(
                "restart",
                f"{name}: restart failed: {exc.message}",
                level="error",
                connector=name,
                action="restart",
                result="error",
                error=exc.message,
                duration_s=round(clock() - started, 4),
            )
            continue
        state.attempts += 1
        state.delay = policy.delay(state.attempts)
        state.next_allowed = now + state.delay
        cycle.restarts += 1
        tasks = [t.id for t in h.tasks if t.state == "FAILED"]
        what = (["connector"] if h.state == "FAILED" else []) + [f"task {t}" for t in tasks]
        emit(
            "restart",
            f"{name}: restarted FAILED {', '.join(what)} (restart {state.attempts}); "
            f"next restart not before {format_duration(state.delay)}",
            connector=name,
            action="restart",
            result="ok",
            tasks=tasks or None,
            attempts=state.attempts,
            backoff_s=state.delay,
            duration_s=round(clock() - started, 4),
        )
