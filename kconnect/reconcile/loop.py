"""The GitOps reconcile loop: keep a Connect cluster equal to the manifests, forever.

Each cycle loads and validates the manifests (an invalid set skips the cycle: the cluster is
never driven towards a broken desired state), plans against one read of the cluster, applies
the differences, checks the health of the managed connectors, and — with auto-restart —
restarts FAILED connectors and tasks with a growing backoff per connector.

A cycle never raises for an expected problem: an unreachable worker or a refused write makes
the cycle fail, and the loop backs off and keeps going. Every event is one log line, JSON or
human text, written through `kconnect.output.console` so that registered secrets are masked.

No typer or rich here; `kconnect.cli.reconcile` is the command line on top.
"""

from __future__ import annotations

import functools
import logging
import signal
import threading
import time
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from kconnect import core
from kconnect.api.live import live_config
from kconnect.errors import ExitCode, KconnectError
from kconnect.health import connector_health
from kconnect.manifests.model import TargetState
from kconnect.planning.plan import Plan
from kconnect.planning.project import Project
from kconnect.reconcile.cycle import (
    LEVELS,
    Cycle,
    CycleResult,
    CycleStatus,
    cycle_summary,
    describe_change,
    describe_health,
    trace_line,
)
from kconnect.reconcile.durations import format_duration
from kconnect.reconcile.events import EventLog
from kconnect.reconcile.metrics import ReconcileMetrics
from kconnect.reconcile.restarts import Backoff, RestartPolicy, restart_failed
from kconnect.records import field, record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient
    from kconnect.health import ConnectorHealth
    from kconnect.manifests.model import Manifest
    from kconnect.ops.wait import Rewritten, WaitResult

log = logging.getLogger("kconnect.reconcile.loop")

# -- options ------------------------------------------------------------------------------------


@record
class ReconcileOptions:
    paths: tuple[str, ...]
    interval: float = 30.0
    prune: bool = False
    auto_restart: bool = False
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    concurrency: int | None = None  # None: per kind of write (kconnect.ops.bulk)
    # After a failed cycle the next one waits interval × 2^(n−1), at most this long.
    max_error_backoff: float = 300.0
    # --once waits this long for written connectors to reach their state (as apply --wait).
    settle_timeout: float = 120.0
    settle_poll: float = 1.0
    # Without --once, a cycle waits at most this long for the connectors whose config it (or
    # an earlier cycle) rewrote to run the new config; those not restarted by then are
    # reported as pending and judged again next cycle. Covers a typical restart (0.1-0.5 s),
    # the settle time and the grace a FAILED gets (`kconnect.ops.wait`).
    restart_wait: float = 5.0
    # /healthz turns 503 when a cycle takes longer than this (a stuck process).
    cycle_budget: float = 600.0
    # --owns (overrides kconnect.yaml) and the safe-plan limit flags; the project file is
    # re-read every cycle, like the manifests.
    owns: tuple[str, ...] = ()
    max_deletes: int | None = None
    max_delete_percent: float | None = None


# -- the reconciler -----------------------------------------------------------------------------


class Reconciler:
    """Runs reconcile cycles against one cluster. Time is injectable for tests."""

    def __init__(
        self,
        client: ConnectClient,
        options: ReconcileOptions,
        *,
        env: Callable[[], Mapping[str, str]],
        events: EventLog | None = None,
        metrics: ReconcileMetrics | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        stop: threading.Event | None = None,
    ) -> None:
        self.client = client
        self.options = options
        self._env = env
        self.events = events or EventLog(wall_clock=wall_clock)
        self.metrics = metrics or ReconcileMetrics(clock=clock)
        self._clock = clock
        self._wall_clock = wall_clock
        self.stop_event = stop or threading.Event()
        self.cycles = 0
        self.consecutive_errors = 0
        self.backoff: dict[str, Backoff] = {}
        # Rewritten connectors not yet seen running their new config, judged next cycle.
        self.restarting: dict[str, Rewritten] = {}
        self._scope_note: str | None = None

    # -- one cycle ------------------------------------------------------------------------------

    def run_cycle(self, *, settle: bool = False) -> CycleResult:
        """Load, plan, apply, check health, restart. `settle` waits for written connectors to
        reach their state first (`--once`, like `apply --wait`)."""
        self.cycles += 1
        cycle = Cycle(self.cycles, self._clock())
        self.metrics.heartbeat(self.options.cycle_budget)
        # Each cycle is a command of its own: a worker that was dead last cycle is tried again.
        self.client.reachability.reset()
        try:
            status, error = self._cycle(cycle, settle)
        except KconnectError as exc:
            status, error = CycleStatus.ERROR, exc.message
            self.metrics.record_failure("cluster")
            self._emit(
                cycle, "error", f"cycle failed: {exc.message}", level="error", result="error"
            )
        duration = self._clock() - cycle.started
        result = CycleResult(
            cycle.number,
            status,
            duration,
            cycle.drift,
            cycle.writes,
            cycle.restarts,
            tuple(sorted(set(cycle.unhealthy))),
            tuple(cycle.failed),
            error,
            tuple(cycle.pending),
        )
        self.consecutive_errors = self.consecutive_errors + 1 if status is CycleStatus.ERROR else 0
        self.metrics.record_cycle(
            status.value,
            drift=cycle.drift,
            writes=cycle.writes,
            restarts=cycle.restarts,
            duration=duration,
            wall_time=self._wall_clock(),
        )
        self._emit(
            cycle,
            "cycle",
            cycle_summary(result),
            level=LEVELS[status],
            result=status.value,
            duration_s=round(duration, 4),
            drift=cycle.drift,
            writes=cycle.writes,
            restarts=cycle.restarts,
            pending=list(result.pending) or None,
        )
        return result

    def _cycle(self, cycle: Cycle, settle: bool) -> tuple[CycleStatus, str | None]:
        from kconnect.output.redaction import register_secrets

        # 1. The desired state, validated offline. An invalid set never reaches the cluster.
        desired = self._desired(cycle)
        if isinstance(desired, str):
            return CycleStatus.INVALID, desired
        project, report = desired
        manifests = {m.name: m for m in report.manifests}

        # 2. One read of the cluster, and the plan.
        plan_report, live = core.make_plan(
            self.client,
            report,
            prune=self.options.prune,
            scope=project.scope,
            limits=project.limits,
            acknowledge=project.acknowledge,
        )
        secrets = core.secret_values(
            [m.config for m in report.manifests] + [live_config(e) for e in live.values()],
            report.sensitive_keys,
        )
        register_secrets(secrets)
        plan = plan_report.plan
        self._report_drift(cycle, plan)
        self._note_scope(cycle, plan)
        refusal = self._refusal(cycle, plan_report)
        if refusal is not None:
            return refusal
        if self._stopping():
            if plan.changes:
                self._emit(cycle, "skipped", "stop requested: not applying the drift found")
            return CycleStatus.OK, None

        # 3. Apply the differences.
        snapshot: Mapping[str, Mapping[str, Any]] = live
        settle_failed: set[str] = set()
        rewritten: Mapping[str, Rewritten] = {}
        if plan.changes:
            started = self._clock()
            applied = core.apply(
                self.client,
                plan,
                report.manifests,
                live,
                concurrency=self.options.concurrency,
                wait=settle,
                timeout=self.options.settle_timeout,
                poll_interval=self.options.settle_poll,
            )
            took = self._clock() - started
            for outcome in applied.result.outcomes:
                cycle.writes += len(outcome.steps)
                cycle.written.add(outcome.name)
                if outcome.ok:
                    message = (
                        f"{outcome.name}: {outcome.action.value} ok ({', '.join(outcome.steps)})"
                    )
                else:
                    cycle.failed.append(outcome.name)
                    message = f"{outcome.name}: {outcome.action.value} failed: {outcome.error}"
                self._emit(
                    cycle,
                    "apply",
                    message,
                    level="info" if outcome.ok else "error",
                    connector=outcome.name,
                    action=outcome.action.value,
                    result="ok" if outcome.ok else "error",
                    steps=list(outcome.steps),
                    error=outcome.error,
                    duration_s=round(took, 4),
                )
            if cycle.failed:
                self.metrics.record_failure("apply", len(cycle.failed))
            if applied.wait is not None:
                settle_failed = {h.name for h in applied.wait.failed + applied.wait.timed_out}
                self._note_restarts(cycle, applied.rewritten, applied.wait)
            if self._stopping():
                return (CycleStatus.ERROR if cycle.failed else CycleStatus.OK), None
            rewritten = applied.rewritten
        waited = False
        if not settle:
            waited, restart_failures = self._await_restarts(cycle, manifests, rewritten, secrets)
            settle_failed |= restart_failures
        if plan.changes or waited:
            # Status after the writes (and the wait); the plan's snapshot is stale for them.
            snapshot = self.client.list_expanded()

        # 4. Health of the managed connectors.
        health = self._health(cycle, manifests, snapshot, secrets, settle_failed)
        pending = set(cycle.pending)

        # 5. Automatic restarts, with a backoff per connector.
        if self.options.auto_restart and not self._stopping():
            restart_failed(
                cycle,
                manifests,
                {n: h for n, h in health.items() if n not in pending},
                backoff=self.backoff,
                policy=self.options.restart,
                client=self.client,
                metrics=self.metrics,
                clock=self._clock,
                emit=functools.partial(self._emit, cycle),
            )
        self.backoff = {n: b for n, b in self.backoff.items() if n in manifests}
        self.metrics.set_connectors(
            {n: h.healthy and n not in settle_failed | pending for n, h in health.items()},
            {n: (self.backoff[n].delay if n in self.backoff else 0.0) for n in sorted(manifests)},
            pending & health.keys(),
        )

        return cycle.outcome()

    def _health(
        self,
        cycle: Cycle,
        manifests: Mapping[str, Manifest],
        snapshot: Mapping[str, Mapping[str, Any]],
        secrets: Collection[str],
        settle_failed: Collection[str],
    ) -> dict[str, ConnectorHealth]:
        """The managed connectors' health, logging those unhealthy; those still restarting
        with a new config (`cycle.pending`) are neither: their status is the old instance's."""
        health = {
            name: connector_health(name, (snapshot.get(name) or {}).get("status"), secrets)
            for name in sorted(manifests)
            if name in snapshot
        }
        for name, h in health.items():
            if name in cycle.pending:
                continue  # its status is the old instance's: neither healthy nor failed
            if not h.healthy or name in settle_failed:
                cycle.unhealthy.append(name)
                self._emit(
                    cycle,
                    "unhealthy",
                    f"{name}: {describe_health(h)}",
                    level="warning",
                    connector=name,
                    state=h.state,
                    failed_tasks=[t.id for t in h.failed_tasks] or None,
                    trace=trace_line(h.trace or next((t.trace for t in h.failed_tasks), "")),
                )
        return health

    def _await_restarts(
        self,
        cycle: Cycle,
        manifests: Mapping[str, Manifest],
        rewritten_now: Mapping[str, Rewritten],
        secrets: Collection[str],
    ) -> tuple[bool, set[str]]:
        """Wait, at most `restart_wait`, for the connectors whose config this cycle rewrote
        (or an earlier one did, and they were still restarting) to run the new config; the
        same judgement as `apply --wait`. Returns whether it waited, and those seen FAILED with the
        new config; those still restarting go to `cycle.pending`, judged again next cycle."""
        from kconnect.ops.bulk import Interrupt
        from kconnect.ops.wait import wait_for_states

        carried = {
            name: change
            for name, change in self.restarting.items()
            if name in manifests
            and name not in cycle.written  # written again: judged by this cycle's change
            and manifests[name].state is TargetState.RUNNING
        }
        rewritten = carried | dict(rewritten_now)
        self.restarting = {}
        if not rewritten or self._stopping():
            return False, set()
        waited = wait_for_states(
            self.client,
            dict.fromkeys(rewritten, TargetState.RUNNING),
            timeout=self.options.restart_wait,
            poll_interval=self.options.settle_poll,
            secrets=secrets,
            rewritten=rewritten,
            interrupt=Interrupt(event=self.stop_event),
        )
        return True, self._note_restarts(cycle, rewritten, waited)

    def _note_restarts(
        self, cycle: Cycle, rewritten: Mapping[str, Rewritten], waited: WaitResult
    ) -> set[str]:
        """Log whether each rewritten connector was seen running its new config; those not
        yet go to `cycle.pending` (and to the next cycle). Returns those that FAILED."""
        for name in sorted(rewritten):
            if name in waited.not_restarted:
                self.restarting[name] = rewritten[name]
                cycle.pending.append(name)
                old = waited.not_restarted[name]
                self._emit(
                    cycle,
                    "pending",
                    f"{name}: restarting with the new config; health not known yet"
                    + (f" (its task configs still hold the old {', '.join(old)})" if old else ""),
                    connector=name,
                    result="pending",
                    keys=list(old) or None,
                )
            else:
                self._emit(
                    cycle,
                    "restarted",
                    f"{name}: running the new config",
                    connector=name,
                    result="restarted",
                )
        return {h.name for h in waited.failed}

    def _refusal(
        self, cycle: Cycle, plan_report: core.PlanReport
    ) -> tuple[CycleStatus, str] | None:
        """Why this cycle writes nothing (a safe-plan limit, an unacknowledged danger)."""
        if plan_report.unsafe is not None:
            # Never forced: a loop that deletes half a cluster because a directory vanished
            # from a git checkout is what these limits exist to stop.
            self.metrics.record_unsafe_plan()
            self._emit(
                cycle,
                "unsafe",
                f"refusing an unsafe plan: {plan_report.unsafe.message}; nothing was written "
                "this cycle (reconcile never forces; check the manifests and the scope, or "
                "raise the limit)",
                level="error",
                result="refused",
                deletes=plan_report.unsafe.deletes,
                owned=plan_report.unsafe.owned,
                limit=plan_report.unsafe.limit,
            )
            return CycleStatus.UNSAFE, f"unsafe plan: {plan_report.unsafe.message}"
        refused = plan_report.refused
        if refused:
            # Never forced either: a danger needs an `acknowledge:` in git, reviewed.
            self.metrics.record_dangerous_plan()
            for name, impact in refused:
                self._emit(
                    cycle,
                    "dangerous",
                    f"{name}: refusing a dangerous change ({impact.id}): {impact.message}; "
                    f"nothing was written this cycle. Instead: {impact.advice}; or acknowledge "
                    f"it (acknowledge: [{impact.id}] in the manifest or kconnect.yaml)",
                    level="error",
                    result="refused",
                    connector=name,
                    impact=impact.id,
                )
            shown = ", ".join(f"{n} ({i.id})" for n, i in refused)
            return CycleStatus.UNSAFE, f"dangerous changes not acknowledged: {shown}"
        return None

    def _desired(self, cycle: Cycle) -> tuple[Project, core.ValidationReport] | str:
        """The project and the valid manifests, or why this cycle sends nothing."""
        from kconnect.output.redaction import register_secrets
        from kconnect.planning.project import resolve_project

        try:
            project = resolve_project(
                self.options.paths,
                owns=self.options.owns or None,
                max_deletes=self.options.max_deletes,
                max_delete_percent=self.options.max_delete_percent,
            )
        except KconnectError as exc:
            self.metrics.record_failure("manifests")
            self._emit(
                cycle,
                "invalid",
                f"{exc.message}; skipping this cycle, nothing is sent to the cluster",
                level="error",
                result="skipped",
            )
            return exc.message
        report = core.validate(
            list(self.options.paths), self._env(), scope=project.scope, key_rules=project.keys
        )
        register_secrets(
            core.secret_values([m.config for m in report.manifests], report.sensitive_keys)
        )
        if not report.ok:
            self.metrics.record_failure("manifests")
            errors = report.errors
            self._emit(
                cycle,
                "invalid",
                f"manifests are invalid ({len(errors)} error(s)); skipping this cycle, "
                "nothing is sent to the cluster",
                level="error",
                result="skipped",
                errors=len(errors),
            )
            for problem in errors[:20]:
                self._emit(
                    cycle,
                    "problem",
                    str(problem),
                    level="error",
                    connector=problem.connector,
                    rule=problem.rule,
                    file=problem.location.path if problem.location else None,
                    line=problem.location.line if problem.location else None,
                )
            return f"{len(errors)} invalid manifest problem(s)"
        return project, report

    def _report_drift(self, cycle: Cycle, plan: Plan) -> None:
        """Count and log (one line each) the connectors that differ from their manifests."""
        cycle.drift = len(plan.changes)
        for change in plan.changes:
            self._emit(
                cycle,
                "drift",
                f"{change.name}: drift: {describe_change(change)}",
                connector=change.name,
                action=change.action.value,
                keys=[k.key for k in change.key_changes] or None,
                state_before=change.state_before,
                state_after=change.state_after.value if change.state_after else None,
            )

    def _note_scope(self, cycle: Cycle, plan: Plan) -> None:
        """Say what the scope leaves alone, when it first shows and whenever it changes."""
        if plan.scope.declared:
            note = (
                f"ownership scope: {plan.scope.describe()}; {len(plan.not_owned)} "
                f"connector(s) not owned by this scope are left alone"
            )
        elif self.options.prune:
            note = "no ownership scope: every undeclared connector will be deleted"
        else:
            return
        if note != self._scope_note:
            self._scope_note = note
            self._emit(
                cycle,
                "scope",
                note,
                level="info" if plan.scope.declared else "warning",
                owns=list(plan.scope.patterns) if plan.scope.patterns is not None else None,
                not_owned=len(plan.not_owned),
            )

    # -- the loop -------------------------------------------------------------------------------

    def next_delay(self, result: CycleResult) -> float:
        interval = self.options.interval
        if result.status is CycleStatus.ERROR:
            cap = max(interval, self.options.max_error_backoff)
            return float(min(cap, interval * 2 ** min(self.consecutive_errors - 1, 30)))
        # Start to start: a slow cycle does not push every later one back.
        return max(0.0, interval - result.duration)

    def run(self) -> int:
        """Cycle until `stop_event` is set; always returns 0 (a stop is not a failure)."""
        o = self.options
        self.events.emit(
            "start",
            f"reconciling {', '.join(o.paths)} with {self.client.settings.url} every "
            f"{format_duration(o.interval)}"
            + (", pruning undeclared connectors" if o.prune else "")
            + (", restarting FAILED connectors and tasks" if o.auto_restart else ""),
            url=self.client.settings.url,
            paths=list(o.paths),
            interval_s=o.interval,
            prune=o.prune,
            auto_restart=o.auto_restart,
        )
        while not self.stop_event.is_set():
            try:
                result = self.run_cycle()
            except Exception as exc:  # a bug must not end a GitOps loop; it is logged
                log.exception("internal error in reconcile cycle %d", self.cycles)
                self.consecutive_errors += 1
                self.metrics.record_failure("cluster")
                result = CycleResult(self.cycles, CycleStatus.ERROR, 0.0, error=repr(exc))
                self.events.emit(
                    "error",
                    f"internal error: {type(exc).__name__}: {exc}",
                    level="error",
                    cycle=self.cycles,
                    result="error",
                )
            if self.stop_event.is_set():
                break
            delay = self.next_delay(result)
            if result.status is CycleStatus.ERROR:
                self.events.emit(
                    "backoff",
                    f"next attempt in {format_duration(delay)} "
                    f"({self.consecutive_errors} failed cycle(s) in a row)",
                    level="warning",
                    cycle=result.cycle,
                    next_in_s=round(delay, 3),
                    consecutive_failures=self.consecutive_errors,
                )
            self.metrics.heartbeat(delay + self.options.cycle_budget)
            self.stop_event.wait(delay)
        self.events.emit(
            "stop", f"stopped cleanly after {self.cycles} cycle(s)", cycles=self.cycles
        )
        return int(ExitCode.OK)

    def request_stop(self, reason: str) -> None:
        if not self.stop_event.is_set():
            self.events.emit(
                "stopping",
                f"{reason}: stopping after the work in flight",
                level="warning",
                cycle=self.cycles or None,
            )
        self.stop_event.set()

    def _stopping(self) -> bool:
        return self.stop_event.is_set()

    def _emit(self, cycle: Cycle, event: str, message: str, **fields: Any) -> None:
        self.events.emit(event, message, cycle=cycle.number, **fields)


def run_until_signalled(reconciler: Reconciler) -> int:
    """Run the loop in a worker thread; SIGTERM or SIGINT stops it after the work in flight.
    A second signal exits at once (SIGINT: exit 130)."""
    stop_signals = (signal.SIGTERM, signal.SIGINT)
    in_main = threading.current_thread() is threading.main_thread()
    previous: dict[signal.Signals, Any] = {}

    def on_signal(signum: int, _frame: Any) -> None:
        reconciler.request_stop(f"received {signal.Signals(signum).name}")
        # A second signal is not caught: SIGTERM kills, SIGINT raises KeyboardInterrupt.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    if in_main:
        for sig in stop_signals:
            previous[sig] = signal.signal(sig, on_signal)
    codes: list[int] = []
    worker = threading.Thread(
        target=lambda: codes.append(reconciler.run()), name="kconnect-reconcile", daemon=True
    )
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        reconciler.stop_event.set()
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not codes:
        raise RuntimeError("the reconcile loop ended without a result (see the log above)")
    return codes[0]
