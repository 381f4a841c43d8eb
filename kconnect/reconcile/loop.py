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

import logging
import re
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import IO, TYPE_CHECKING, Any

from kconnect import core
from kconnect.api.live import live_config
from kconnect.errors import ExitCode, KconnectError, UsageError
from kconnect.health import ConnectorHealth, connector_health
from kconnect.manifests.model import Manifest, TargetState
from kconnect.planning.plan import ConnectorChange, Plan
from kconnect.planning.project import Project
from kconnect.reconcile.metrics import ReconcileMetrics

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

log = logging.getLogger("kconnect.reconcile.loop")

# -- durations ----------------------------------------------------------------------------------

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parse_duration(text: str, *, what: str = "duration") -> float:
    """Seconds from `30s`, `5m`, `1h`, `1m30s`, `250ms` or plain seconds (`30`, `0.5`)."""
    raw = text.strip().lower()
    if _NUMBER.fullmatch(raw):
        seconds = float(raw)
    else:
        parts = _DURATION.findall(raw)
        if not parts or "".join(n + u for n, u in parts) != raw:
            raise UsageError(
                f"invalid {what} {text!r}: use a number of seconds or a duration like "
                "30s, 5m, 1h or 1m30s"
            )
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise UsageError(f"invalid {what} {text!r}: must be greater than zero")
    return seconds


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 120:
        return f"{seconds:.3g}s"
    if seconds < 7200:
        return f"{seconds / 60:.3g}m"
    return f"{seconds / 3600:.3g}h"


# -- options ------------------------------------------------------------------------------------


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class ReconcileOptions:
    paths: tuple[str, ...]
    interval: float = 30.0
    prune: bool = False
    auto_restart: bool = False
    restart: RestartPolicy = RestartPolicy()
    concurrency: int | None = None  # None: per kind of write (kconnect.ops.bulk)
    # After a failed cycle the next one waits interval × 2^(n−1), at most this long.
    max_error_backoff: float = 300.0
    # --once waits this long for written connectors to reach their state (as apply --wait).
    settle_timeout: float = 120.0
    settle_poll: float = 1.0
    # /healthz turns 503 when a cycle takes longer than this (a stuck process).
    cycle_budget: float = 600.0
    # --owns (overrides kconnect.yaml) and the safe-plan limit flags; the project file is
    # re-read every cycle, like the manifests.
    owns: tuple[str, ...] = ()
    max_deletes: int | None = None
    max_delete_percent: float | None = None


class CycleStatus(str, Enum):
    OK = "ok"  # the cluster equals the manifests and every managed connector is healthy
    UNHEALTHY = "unhealthy"  # in sync, but a connector or task is FAILED or UNASSIGNED
    ERROR = "error"  # the cluster could not be read, or a write failed
    INVALID = "invalid"  # the manifests are invalid; nothing was sent
    # the plan passes a safe-plan limit, or holds an unacknowledged danger; nothing was written
    UNSAFE = "unsafe"

    @property
    def exit_code(self) -> ExitCode:
        return {
            CycleStatus.OK: ExitCode.OK,
            CycleStatus.UNHEALTHY: ExitCode.UNHEALTHY,
            CycleStatus.ERROR: ExitCode.ERROR,
            CycleStatus.INVALID: ExitCode.ERROR,
            CycleStatus.UNSAFE: ExitCode.ERROR,
        }[self]


_LEVELS = {
    CycleStatus.OK: "info",
    CycleStatus.UNHEALTHY: "warning",
    CycleStatus.ERROR: "error",
    CycleStatus.INVALID: "error",
    CycleStatus.UNSAFE: "error",
}


@dataclass(frozen=True)
class CycleResult:
    cycle: int
    status: CycleStatus
    duration: float
    drift: int = 0
    writes: int = 0
    restarts: int = 0
    unhealthy: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    error: str | None = None

    @property
    def exit_code(self) -> ExitCode:
        return self.status.exit_code

    def to_dict(self) -> dict[str, Any]:
        return {
            "cycle": self.cycle,
            "result": self.status.value,
            "duration_s": round(self.duration, 4),
            "drift": self.drift,
            "writes": self.writes,
            "restarts": self.restarts,
            "unhealthy": list(self.unhealthy),
            "failed": list(self.failed),
            "error": self.error,
        }


# -- logging ------------------------------------------------------------------------------------


def _now_iso(wall: float) -> str:
    stamp = datetime.fromtimestamp(wall, tz=timezone.utc).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class EventLog:
    """One line per event: a JSON object (`json=True`) or human text.

    Lines go to `stream` (default: kconnect's redacting stdout). Values are redacted before
    JSON encoding too, since escaping could hide a secret from the stream's own redaction.
    """

    def __init__(
        self,
        *,
        json_lines: bool = False,
        stream: IO[str] | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.json_lines = json_lines
        self._stream = stream
        self._wall_clock = wall_clock
        self._lock = threading.Lock()

    def _out(self) -> Any:
        if self._stream is not None:
            return self._stream
        from kconnect.output.console import stdout

        return stdout()

    def emit(
        self,
        event: str,
        message: str,
        *,
        level: str = "info",
        cycle: int | None = None,
        **fields: Any,
    ) -> None:
        from kconnect.output.console import json_text, safe_text

        stamp = _now_iso(self._wall_clock())
        if self.json_lines:
            record: dict[str, Any] = {"time": stamp, "level": level, "event": event}
            if cycle is not None:
                record["cycle"] = cycle
            record.update({k: v for k, v in fields.items() if v is not None})
            record["message"] = message
            line = json_text(record, indent=None)
        else:
            prefix = f"{stamp} "
            if level != "info":
                prefix += f"{level.upper()} "
            if cycle is not None:
                prefix += f"[cycle {cycle}] "
            line = safe_text(prefix + message).replace("\n", "\n    ")
        with self._lock:
            out = self._out()
            out.write(line + "\n")
            out.flush()


# -- restart backoff ----------------------------------------------------------------------------


@dataclass
class _Backoff:
    attempts: int = 0
    next_allowed: float = 0.0
    delay: float = 0.0
    healthy_since: float | None = None


# -- the reconciler -----------------------------------------------------------------------------


@dataclass
class _Cycle:
    """What one cycle has found so far."""

    number: int
    started: float
    drift: int = 0
    writes: int = 0
    restarts: int = 0
    written: set[str] = field(default_factory=set)
    failed: list[str] = field(default_factory=list)
    unhealthy: list[str] = field(default_factory=list)


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
        self.backoff: dict[str, _Backoff] = {}
        self._scope_note: str | None = None

    # -- one cycle ------------------------------------------------------------------------------

    def run_cycle(self, *, settle: bool = False) -> CycleResult:
        """Load, plan, apply, check health, restart. `settle` waits for written connectors to
        reach their state first (`--once`, like `apply --wait`)."""
        self.cycles += 1
        cycle = _Cycle(self.cycles, self._clock())
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
            _cycle_summary(result),
            level=_LEVELS[status],
            result=status.value,
            duration_s=round(duration, 4),
            drift=cycle.drift,
            writes=cycle.writes,
            restarts=cycle.restarts,
        )
        return result

    def _cycle(self, cycle: _Cycle, settle: bool) -> tuple[CycleStatus, str | None]:
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
            [m.config for m in report.manifests] + [live_config(e) for e in live.values()]
        )
        register_secrets(secrets)
        plan = plan_report.plan
        cycle.drift = len(plan.changes)
        for change in plan.changes:
            self._emit(
                cycle,
                "drift",
                f"{change.name}: drift: {_describe_change(change)}",
                connector=change.name,
                action=change.action.value,
                keys=[k.key for k in change.key_changes] or None,
                state_before=change.state_before,
                state_after=change.state_after.value if change.state_after else None,
            )
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
            if self._stopping():
                return (CycleStatus.ERROR if cycle.failed else CycleStatus.OK), None
            # Status after the writes; the plan's snapshot is stale for written connectors.
            snapshot = self.client.list_expanded()

        # 4. Health of the managed connectors.
        health = {
            name: connector_health(name, (snapshot.get(name) or {}).get("status"), secrets)
            for name in sorted(manifests)
            if name in snapshot
        }
        for name, h in health.items():
            if not h.healthy or name in settle_failed:
                cycle.unhealthy.append(name)
                self._emit(
                    cycle,
                    "unhealthy",
                    f"{name}: {_describe_health(h)}",
                    level="warning",
                    connector=name,
                    state=h.state,
                    failed_tasks=[t.id for t in h.failed_tasks] or None,
                    trace=_first_line(h.trace or next((t.trace for t in h.failed_tasks), "")),
                )

        # 5. Automatic restarts, with a backoff per connector.
        if self.options.auto_restart and not self._stopping():
            self._auto_restart(cycle, manifests, health)
        self.backoff = {n: b for n, b in self.backoff.items() if n in manifests}
        self.metrics.set_connectors(
            {n: h.healthy and n not in settle_failed for n, h in health.items()},
            {n: (self.backoff[n].delay if n in self.backoff else 0.0) for n in sorted(manifests)},
        )

        if cycle.failed:
            return CycleStatus.ERROR, f"{len(cycle.failed)} connector(s) failed to apply"
        if cycle.unhealthy:
            return CycleStatus.UNHEALTHY, None
        return CycleStatus.OK, None

    def _refusal(
        self, cycle: _Cycle, plan_report: core.PlanReport
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

    def _desired(self, cycle: _Cycle) -> tuple[Project, core.ValidationReport] | str:
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
        report = core.validate(list(self.options.paths), self._env(), scope=project.scope)
        register_secrets(core.secret_values([m.config for m in report.manifests]))
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

    def _note_scope(self, cycle: _Cycle, plan: Plan) -> None:
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

    def _auto_restart(
        self,
        cycle: _Cycle,
        manifests: Mapping[str, Manifest],
        health: Mapping[str, ConnectorHealth],
    ) -> None:
        policy = self.options.restart
        now = self._clock()
        for name, h in health.items():
            state = self.backoff.get(name)
            failed = h.state == "FAILED" or any(t.state == "FAILED" for t in h.tasks)
            if not failed:
                if state is not None and h.healthy:
                    if state.healthy_since is None:
                        state.healthy_since = now
                    elif now - state.healthy_since >= policy.reset_after:
                        del self.backoff[name]
                        self._emit(
                            cycle,
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
            state = self.backoff.setdefault(name, _Backoff())
            state.healthy_since = None
            if now < state.next_allowed:
                self._emit(
                    cycle,
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
            started = self._clock()
            try:
                self.client.restart(name, include_tasks=True, only_failed=True)
            except KconnectError as exc:
                self.metrics.record_failure("restart")
                self._emit(
                    cycle,
                    "restart",
                    f"{name}: restart failed: {exc.message}",
                    level="error",
                    connector=name,
                    action="restart",
                    result="error",
                    error=exc.message,
                    duration_s=round(self._clock() - started, 4),
                )
                continue
            state.attempts += 1
            state.delay = policy.delay(state.attempts)
            state.next_allowed = now + state.delay
            cycle.restarts += 1
            tasks = [t.id for t in h.tasks if t.state == "FAILED"]
            what = (["connector"] if h.state == "FAILED" else []) + [f"task {t}" for t in tasks]
            self._emit(
                cycle,
                "restart",
                f"{name}: restarted FAILED {', '.join(what)} (restart {state.attempts}); "
                f"next restart not before {format_duration(state.delay)}",
                connector=name,
                action="restart",
                result="ok",
                tasks=tasks or None,
                attempts=state.attempts,
                backoff_s=state.delay,
                duration_s=round(self._clock() - started, 4),
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

    def _emit(self, cycle: _Cycle, event: str, message: str, **fields: Any) -> None:
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


# -- wording ------------------------------------------------------------------------------------


def _describe_change(change: ConnectorChange) -> str:
    parts = [change.action.value]
    if change.key_changes:
        keys = ", ".join(k.key for k in change.key_changes[:8])
        more = len(change.key_changes) - 8
        parts.append(f"keys {keys}" + (f" and {more} more" if more > 0 else ""))
    if change.state_changed and change.state_after is not None:
        parts.append(f"state {change.state_before} → {change.state_after.worker_state}")
    return "; ".join(parts)


def _describe_health(h: ConnectorHealth) -> str:
    text = f"connector {h.state}"
    bad = h.failed_tasks
    if bad:
        text += ", " + ", ".join(f"task {t.id} {t.state}" for t in bad)
    trace = _first_line(h.trace or next((t.trace for t in bad), ""))
    return text + (f": {trace}" if trace else "")


def _first_line(text: str) -> str | None:
    line = text.splitlines()[0].strip() if text else ""
    return line[:300] or None


def _cycle_summary(result: CycleResult) -> str:
    took = format_duration(result.duration)
    if result.status is CycleStatus.INVALID:
        return f"skipped: invalid manifests ({took})"
    if result.status in (CycleStatus.ERROR, CycleStatus.UNSAFE):
        return f"failed: {result.error} ({took})"
    parts = []
    if result.drift:
        parts.append(f"{result.drift} drifted, {result.writes} write(s)")
    else:
        parts.append("in sync")
    if result.restarts:
        parts.append(f"{result.restarts} restart(s)")
    if result.unhealthy:
        parts.append(f"unhealthy: {', '.join(result.unhealthy)}")
    return f"{result.status.value}: {'; '.join(parts)} ({took})"
