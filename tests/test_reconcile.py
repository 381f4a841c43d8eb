"""`kconnect reconcile`: the GitOps loop, against the fake worker.

Library-level tests drive `Reconciler.run_cycle` with an injected clock, so backoffs of
minutes take no time. Loop-level tests run `python -m kconnect reconcile` as a subprocess with
0.2 s intervals and stop it with SIGTERM, as Kubernetes would.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kconnect.api.client import ConnectClient
from kconnect.config.settings import ClientSettings, RetryPolicy
from kconnect.errors import UsageError
from kconnect.reconcile.cycle import CycleStatus
from kconnect.reconcile.durations import parse_duration
from kconnect.reconcile.events import EventLog
from kconnect.reconcile.loop import ReconcileOptions, Reconciler
from kconnect.reconcile.metrics import MetricsServer, ReconcileMetrics, parse_text
from kconnect.reconcile.restarts import RestartPolicy
from tests.conftest import CliRunner, file_source, file_source_config, write_manifest
from tests.fakeconnect import FakeConnect

REPO = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t-Pa55word"


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Harness:
    """A Reconciler on the fake worker, with JSON events captured in memory."""

    def __init__(self, fake: FakeConnect, manifests: Path, **options: Any) -> None:
        self.fake = fake
        self.clock = FakeClock()
        self.stream = io.StringIO()
        self.client = ConnectClient(
            ClientSettings(url=fake.url, retry=RetryPolicy(attempts=1, initial_backoff=0.01))
        )
        self.metrics = ReconcileMetrics(clock=self.clock)
        self.reconciler = Reconciler(
            self.client,
            ReconcileOptions(paths=(str(manifests),), interval=30.0, settle_poll=0.05, **options),
            env=lambda: {},
            events=EventLog(json_lines=True, stream=self.stream, wall_clock=lambda: 1.8e9),
            metrics=self.metrics,
            clock=self.clock,
            wall_clock=lambda: 1.8e9 + self.clock.now,
        )

    def cycle(self, *, settle: bool = False) -> Any:
        return self.reconciler.run_cycle(settle=settle)

    def events(self, event: str | None = None) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in self.stream.getvalue().splitlines()]
        return [e for e in lines if event is None or e["event"] == event]


@pytest.fixture
def harness_factory(fake: FakeConnect, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(**options: Any) -> Harness:
        harness = Harness(fake, tmp_path / "manifests", **options)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.client.close()


def _manifests(tmp_path: Path, *names: str, state: str | None = None) -> Path:
    folder = tmp_path / "manifests"
    for name in names:
        write_manifest(folder, f"{name}.yaml", file_source(name, state=state))
    return folder


def _writes(fake: FakeConnect) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.writes()]


# -- durations ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("5m", 300),
        ("1h", 3600),
        ("45", 45),
        ("0.2", 0.2),
        ("1m30s", 90),
        ("250ms", 0.25),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "0", "5x", "m", "-1s", "1.5.2s", "30 s"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text, what="--interval")


def test_restart_backoff_grows_and_is_capped() -> None:
    policy = RestartPolicy(base=60, cap=1800)
    assert [policy.delay(n) for n in range(1, 9)] == [60, 120, 360, 720, 1200, 1800, 1800, 1800]


# -- drift ----------------------------------------------------------------------------------------


def test_first_cycle_creates_then_in_sync_cycles_read_once_and_write_nothing(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a", "b")
    h = harness_factory()
    first = h.cycle()
    assert first.status is CycleStatus.OK
    assert (first.drift, first.writes) == (2, 2)
    assert sorted(fake.connector_names()) == ["a", "b"]
    fake.clear_requests()
    second = h.cycle()
    assert second.status is CycleStatus.OK
    assert (second.drift, second.writes) == (0, 0)
    assert [(r.method, r.path, r.query) for r in fake.requests] == [
        ("GET", "/connectors", {"expand": ["info", "status"]})
    ]


def test_changed_key_is_corrected_in_one_cycle(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a")
    fake.add_connector("a", {**file_source_config("a"), "topic": "hand-edited", "extra": "x"})
    h = harness_factory()
    fake.clear_requests()
    result = h.cycle()
    assert result.status is CycleStatus.OK
    assert _writes(fake) == [("PUT", "/connectors/a/config")]
    assert fake.connector_config("a") == {**file_source_config("a"), "name": "a"}
    [drift] = h.events("drift")
    assert drift["connector"] == "a"
    assert drift["action"] == "update"
    assert drift["keys"] == ["extra", "topic"]
    [applied] = h.events("apply")
    assert (applied["connector"], applied["action"], applied["result"]) == ("a", "update", "ok")
    assert applied["steps"] == ["updated"]


def test_deleted_connector_is_recreated(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a")
    h = harness_factory()
    h.cycle()
    fake.clear_requests()
    httpx.delete(f"{fake.url}/connectors/a")
    result = h.cycle()
    assert (result.status, result.drift) == (CycleStatus.OK, 1)
    assert fake.connector_state("a") == "RUNNING"
    assert [e["action"] for e in h.events("apply")] == ["create", "create"]


def test_paused_connector_is_resumed_without_rewriting_its_config(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a")
    fake.add_connector("a", file_source_config("a"), state="PAUSED")
    h = harness_factory()
    fake.clear_requests()
    result = h.cycle()
    assert result.status is CycleStatus.OK
    assert _writes(fake) == [("PUT", "/connectors/a/resume")]
    assert fake.connector_state("a") == "RUNNING"
    [drift] = h.events("drift")
    assert drift["state_before"] == "PAUSED"
    assert drift["state_after"] == "running"


def test_undeclared_connectors_are_left_alone_unless_pruning(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a")
    fake.add_connector("stray", file_source_config("stray"))
    harness_factory().cycle()
    assert "stray" in fake.connector_names()
    harness_factory(prune=True).cycle()
    assert fake.connector_names() == ["a"]


def test_invalid_manifests_skip_the_cycle_without_any_request(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    folder = _manifests(tmp_path, "a")
    fake.add_connector("other", file_source_config("other"))
    write_manifest(folder, "broken.yaml", "name: broken\nconfig:\n  tasks.max: 1\n")
    h = harness_factory(prune=True)
    fake.clear_requests()
    result = h.cycle()
    assert result.status is CycleStatus.INVALID
    assert result.exit_code == 1
    assert fake.requests == []
    assert fake.connector_names() == ["other"]
    [invalid] = h.events("invalid")
    assert invalid["level"] == "error"
    assert invalid["result"] == "skipped"
    [problem] = h.events("problem")
    assert problem["rule"] == "manifest/connector-class"
    assert problem["file"].endswith("broken.yaml")
    assert h.metrics.failures["manifests"] == 1


def test_manifests_are_read_again_every_cycle(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    folder = _manifests(tmp_path, "a")
    h = harness_factory()
    h.cycle()
    write_manifest(folder, "a.yaml", file_source("a", topic="changed-in-git"))
    h.cycle()
    assert fake.connector_config("a")["topic"] == "changed-in-git"  # type: ignore[index]


def test_configmap_volume_layout_is_read_once(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    """Kubernetes mounts a ConfigMap as symlinks into a hidden `..<timestamp>/` folder."""
    folder = tmp_path / "manifests"
    data = folder / "..2026_01_01_00_00_00.000000001"
    write_manifest(data, "a.yaml", file_source("a"))
    (folder / "..data").symlink_to(data.name)
    (folder / "a.yaml").symlink_to("..data/a.yaml")
    result = harness_factory().cycle()
    assert result.status is CycleStatus.OK, json.dumps(result.to_dict())
    assert fake.connector_names() == ["a"]


def test_a_failed_write_fails_the_cycle_but_not_the_others(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a", "b")
    fake.inject(method="PUT", path="/connectors/a/config", status=400, message="nope")
    h = harness_factory()
    result = h.cycle()
    assert result.status is CycleStatus.ERROR
    assert result.failed == ("a",)
    assert "b" in fake.connector_names()
    assert h.metrics.failures["apply"] == 1
    failed = [e for e in h.events("apply") if e["result"] == "error"]
    assert failed[0]["connector"] == "a"
    assert "HTTP 400: nope" in failed[0]["error"]
    # Next cycle retries and succeeds.
    assert h.cycle().status is CycleStatus.OK
    assert "a" in fake.connector_names()


# -- health and auto-restart ----------------------------------------------------------------------


def test_unhealthy_connector_is_reported_but_not_restarted_without_auto_restart(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a")
    fake.add_connector("a", file_source_config("a"))
    fake.fail_task("a")
    h = harness_factory()
    fake.clear_requests()
    result = h.cycle()
    assert result.status is CycleStatus.UNHEALTHY
    assert result.exit_code == 3
    assert result.unhealthy == ("a",)
    assert fake.writes() == []
    [event] = h.events("unhealthy")
    assert event["failed_tasks"] == [0]
    assert event["trace"] == "java.lang.RuntimeException: boom"


def test_failed_task_is_restarted_with_growing_backoff(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a")
    fake.add_connector("a", file_source_config("a"))
    h = harness_factory(auto_restart=True)
    fake.fail_task("a")
    fake.clear_requests()

    first = h.cycle()
    assert first.restarts == 1
    restarts = [r for r in fake.writes() if r.path == "/connectors/a/restart"]
    assert [r.query for r in restarts] == [{"includeTasks": ["true"], "onlyFailed": ["true"]}]
    assert fake.task_states("a") == ["RUNNING"]
    [event] = h.events("restart")
    assert (event["connector"], event["result"], event["attempts"], event["backoff_s"]) == (
        "a",
        "ok",
        1,
        60.0,
    )
    assert h.metrics.backoff == {"a": 60.0}

    # It fails again at once: no second restart before the 60 s backoff has passed.
    fake.fail_task("a")
    fake.clear_requests()
    h.clock.advance(30)
    deferred = h.cycle()
    assert deferred.restarts == 0
    assert fake.writes() == []
    [wait] = h.events("restart_deferred")
    assert wait["next_restart_in_s"] == 30.0
    assert deferred.status is CycleStatus.UNHEALTHY

    h.clock.advance(31)
    assert h.cycle().restarts == 1
    assert h.events("restart")[-1]["backoff_s"] == 120.0

    fake.fail_task("a")
    h.clock.advance(119)
    assert h.cycle().restarts == 0
    h.clock.advance(2)
    assert h.cycle().restarts == 1
    assert h.events("restart")[-1]["backoff_s"] == 360.0
    assert h.metrics.restarts == 3
    assert 'kconnect_connector_restart_backoff_seconds{connector="a"} 360' in h.metrics.render()


def test_backoff_is_reset_after_staying_healthy(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a")
    fake.add_connector("a", file_source_config("a"))
    h = harness_factory(auto_restart=True, restart=RestartPolicy(base=60, reset_after=600))
    fake.fail_task("a")
    h.cycle()
    h.clock.advance(61)
    fake.fail_task("a")
    h.cycle()
    assert h.reconciler.backoff["a"].attempts == 2
    for _ in range(3):
        h.clock.advance(300)
        h.cycle()
    assert "a" not in h.reconciler.backoff
    assert h.events("backoff_reset")[0]["connector"] == "a"
    assert h.metrics.backoff == {"a": 0.0}
    # The next failure is restarted at once, with the first backoff again.
    fake.fail_task("a")
    assert h.cycle().restarts == 1
    assert h.events("restart")[-1]["backoff_s"] == 60.0


def test_failed_connector_instance_is_restarted(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a")
    fake.add_connector("a", file_source_config("a"), state="FAILED")
    h = harness_factory(auto_restart=True)
    assert h.cycle().restarts == 1
    assert fake.connector_state("a") == "RUNNING"
    assert "restarted FAILED connector" in h.events("restart")[0]["message"]


def test_paused_connectors_and_unassigned_tasks_are_not_restarted(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "p", state="paused")
    _manifests(tmp_path, "u")
    fake.add_connector("p", file_source_config("p"), state="PAUSED")
    fake.fail_connector("p")
    fake.add_connector("u", file_source_config("u"))
    fake.unassign_task("u")
    h = harness_factory(auto_restart=True)
    fake.clear_requests()
    result = h.cycle()
    assert result.status is CycleStatus.UNHEALTHY
    assert result.unhealthy == ("p", "u")
    assert [r.path for r in fake.writes() if r.path.endswith("/restart")] == []


def test_a_failed_restart_is_logged_and_counted(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a")
    fake.add_connector("a", file_source_config("a"))
    fake.fail_task("a")
    fake.inject(method="POST", path="/connectors/a/restart", status=500, message="kaputt")
    h = harness_factory(auto_restart=True)
    result = h.cycle()
    assert result.status is CycleStatus.UNHEALTHY
    assert result.restarts == 0
    [event] = h.events("restart")
    assert event["result"] == "error"
    assert "kaputt" in event["error"]
    assert h.metrics.failures["restart"] == 1


# -- outages --------------------------------------------------------------------------------------


def test_unreachable_worker_fails_the_cycle_and_backs_off(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a")
    h = harness_factory(max_error_backoff=100)
    assert h.cycle().status is CycleStatus.OK
    fake.set_unreachable(True)
    delays = []
    for _ in range(5):
        result = h.cycle()
        assert result.status is CycleStatus.ERROR
        assert "cannot reach Kafka Connect" in (result.error or "")
        delays.append(h.reconciler.next_delay(result))
    assert delays == [30, 60, 100, 100, 100]
    assert h.metrics.consecutive_failures == 5
    assert h.metrics.failures["cluster"] == 5
    fake.set_unreachable(False)
    httpx.delete(f"{fake.url}/connectors/a")
    recovered = h.cycle()
    assert recovered.status is CycleStatus.OK
    assert "a" in fake.connector_names()
    assert h.reconciler.next_delay(recovered) <= 30
    assert h.metrics.consecutive_failures == 0


def test_the_loop_keeps_going_through_an_outage(fake: FakeConnect, tmp_path: Path) -> None:
    """The real loop (in a thread here): an outage fails cycles; it does not end the loop."""
    _manifests(tmp_path, "a")
    client = ConnectClient(ClientSettings(url=fake.url, retry=RetryPolicy(attempts=1)))
    stream = io.StringIO()
    reconciler = Reconciler(
        client,
        ReconcileOptions(
            paths=(str(tmp_path / "manifests"),), interval=0.05, max_error_backoff=0.2
        ),
        env=lambda: {},
        events=EventLog(json_lines=True, stream=stream),
    )
    worker = threading.Thread(target=reconciler.run, daemon=True)
    worker.start()
    try:
        _wait_for(lambda: "a" in fake.connector_names(), 5)
        fake.set_unreachable(True)
        _wait_for(lambda: reconciler.consecutive_errors >= 3, 5)
        fake.set_unreachable(False)
        httpx.delete(f"{fake.url}/connectors/a")
        _wait_for(lambda: "a" in fake.connector_names(), 5)
        assert worker.is_alive()
    finally:
        reconciler.stop_event.set()
        worker.join(5)
        client.close()
    assert not worker.is_alive()
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert any(e["event"] == "backoff" for e in events)
    assert events[-1]["event"] == "stop"


# -- secrets and log format -----------------------------------------------------------------------


def test_no_secret_value_in_any_log_line(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    from kconnect.output.redaction import clear_secrets

    clear_secrets()
    folder = tmp_path / "manifests"
    write_manifest(folder, "a.yaml", file_source("a", extra=f'  database.password: "{SECRET}"\n'))
    # The worker echoes the config, password included, in an error and in a trace.
    fake.inject(
        method="PUT",
        path="/connectors/a/config",
        status=500,
        message=f"Connector config {{database.password={SECRET}}} contains no connector type",
    )
    h = harness_factory(auto_restart=True)
    assert h.cycle().status is CycleStatus.ERROR
    h.cycle()
    fake.fail_task("a", trace=f"java.lang.RuntimeException: login {SECRET} refused\n\tat x.y")
    h.cycle()
    text = h.stream.getvalue()
    assert "login ******** refused" in text
    assert SECRET not in text
    clear_secrets()


def test_json_log_lines_carry_cycle_connector_action_result_duration(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a")
    h = harness_factory()
    h.cycle()
    events = h.events()
    assert [e["event"] for e in events] == ["drift", "apply", "cycle"]
    assert all(e["cycle"] == 1 and e["time"].endswith("Z") for e in events)
    apply_event = events[1]
    assert {"connector", "action", "result", "duration_s", "level", "message"} <= apply_event.keys()
    summary = events[2]
    assert summary["result"] == "ok"
    assert summary["drift"] == 1
    assert summary["writes"] == 1
    assert summary["duration_s"] >= 0


def test_human_log_lines() -> None:
    stream = io.StringIO()
    log = EventLog(stream=stream, wall_clock=lambda: 0.0)
    log.emit("apply", "a: update ok (updated)", cycle=7)
    log.emit("error", "boom", level="error", cycle=8)
    assert stream.getvalue().splitlines() == [
        "1970-01-01T00:00:00.000Z [cycle 7] a: update ok (updated)",
        "1970-01-01T00:00:00.000Z ERROR [cycle 8] boom",
    ]


# -- metrics --------------------------------------------------------------------------------------


def test_metrics_endpoint(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    _manifests(tmp_path, "a", "b")
    h = harness_factory(auto_restart=True)
    h.cycle()
    fake.fail_task("b")
    httpx.put(f"{fake.url}/connectors/a/pause")
    h.clock.advance(5)
    h.cycle()
    with MetricsServer(h.metrics, port=0) as server:
        assert server.port > 0
        response = httpx.get(f"{server.url}/metrics")
        health = httpx.get(f"{server.url}/healthz")
        missing = httpx.get(f"{server.url}/nope")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = parse_text(response.text)
    assert samples['kconnect_reconcile_cycles_total{result="ok"}'] == 1
    assert samples['kconnect_reconcile_cycles_total{result="unhealthy"}'] == 1
    assert samples['kconnect_reconcile_cycles_total{result="error"}'] == 0
    assert samples["kconnect_reconcile_drift_total"] == 3
    assert samples["kconnect_reconcile_writes_total"] == 3
    assert samples["kconnect_reconcile_restarts_total"] == 1
    assert samples['kconnect_reconcile_failures_total{stage="cluster"}'] == 0
    assert samples["kconnect_reconcile_last_success_timestamp_seconds"] == 1.8e9 + 1005
    assert samples['kconnect_connector_restart_backoff_seconds{connector="b"}'] == 60
    assert samples['kconnect_connector_restart_backoff_seconds{connector="a"}'] == 0
    assert samples['kconnect_connector_healthy{connector="b"}'] == 0
    assert "# TYPE kconnect_reconcile_cycles_total counter" in response.text
    assert "# TYPE kconnect_reconcile_last_success_timestamp_seconds gauge" in response.text
    assert (health.status_code, health.text) == (200, "ok\n")
    assert missing.status_code == 404


def test_healthz_turns_503_when_the_loop_stalls() -> None:
    clock = FakeClock()
    metrics = ReconcileMetrics(clock=clock)
    metrics.heartbeat(10)
    with MetricsServer(metrics, port=0) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        clock.advance(11)
        stale = httpx.get(f"{server.url}/healthz")
    assert stale.status_code == 503
    assert stale.text == "stalled: no reconcile progress for 11s\n"


def test_metrics_label_values_are_escaped() -> None:
    metrics = ReconcileMetrics()
    metrics.set_connectors({'we"ird\\name': True}, {})
    assert 'kconnect_connector_healthy{connector="we\\"ird\\\\name"} 1' in metrics.render()


# -- the command line: --once ---------------------------------------------------------------------


def _env(fake: FakeConnect) -> dict[str, str]:
    return {"KCONNECT_URL": fake.url, "KCONNECT_RETRIES": "1"}


def test_once_exit_0_when_in_sync_after_applying(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    folder = _manifests(tmp_path, "a")
    result = cli("reconcile", str(folder), "--once", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert fake.connector_state("a") == "RUNNING"
    lines = result.stdout.splitlines()
    assert lines[0].endswith(
        "[cycle 1] a: drift: create; keys connector.class, file, tasks.max, topic"
    )
    assert lines[1].endswith("[cycle 1] a: create ok (created)")
    assert " [cycle 1] ok: 1 drifted, 1 write(s) (" in lines[2]


def test_once_exit_3_when_a_connector_is_unhealthy(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    folder = _manifests(tmp_path, "a")
    fake.add_connector("a", file_source_config("a"))
    fake.fail_task("a")
    result = cli("reconcile", str(folder), "--once", env=_env(fake))
    assert result.exit_code == 3, result.output
    assert (
        "WARNING [cycle 1] a: connector RUNNING, task 0 FAILED: java.lang.RuntimeException: boom"
        in result.stdout
    )


def test_once_with_auto_restart_restarts_and_exits_3(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    folder = _manifests(tmp_path, "a")
    fake.add_connector("a", file_source_config("a"))
    fake.fail_task("a")
    result = cli("reconcile", str(folder), "--once", "--auto-restart", env=_env(fake))
    assert result.exit_code == 3
    assert fake.task_states("a") == ["RUNNING"]
    assert "a: restarted FAILED task 0 (restart 1); next restart not before 60s" in result.stdout


def test_once_exit_1_when_the_worker_is_unreachable(cli: CliRunner, tmp_path: Path) -> None:
    folder = _manifests(tmp_path, "a")
    result = cli(
        "reconcile",
        str(folder),
        "--once",
        env={"KCONNECT_URL": "http://127.0.0.1:9", "KCONNECT_RETRIES": "1"},
    )
    assert result.exit_code == 1
    assert (
        "ERROR [cycle 1] cycle failed: cannot reach Kafka Connect at http://127.0.0.1:9"
        in result.stdout
    )


def test_once_exit_1_and_zero_writes_for_invalid_manifests(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    folder = _manifests(tmp_path, "a")
    write_manifest(folder, "b.yaml", "name: b\nconfig:\n  tasks.max: 1\n")
    fake.clear_requests()
    result = cli("reconcile", str(folder), "--once", "--prune", env=_env(fake))
    assert result.exit_code == 1
    assert fake.requests == []
    assert (
        "manifests are invalid (1 error(s)); skipping this cycle, nothing is sent to the cluster"
        in result.stdout
    )


def test_once_json_lines(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    folder = _manifests(tmp_path, "a")
    result = cli("reconcile", str(folder), "--once", "-o", "json", env=_env(fake))
    assert result.exit_code == 0
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["event"] for e in events] == ["drift", "apply", "cycle"]
    assert events[-1]["result"] == "ok"


def test_bad_interval_is_a_usage_error(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    folder = _manifests(tmp_path, "a")
    result = cli("reconcile", str(folder), "--interval", "soon", env=_env(fake))
    assert result.exit_code == 64
    assert (
        "invalid --interval 'soon': use a number of seconds or a duration like 30s, 5m, 1h or 1m30s"
        in result.stdout
    )
    assert fake.requests == []


# -- the command line: the loop as a process ------------------------------------------------------


class Process:
    """`python -m kconnect reconcile ...` with its stdout lines collected by a thread."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("KCONNECT_")}
        full_env.update(env)
        self.lines: list[str] = []
        self.err = ""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kconnect", "reconcile", *args],
            cwd=REPO,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in list(self.lines)]

    def wait_event(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events():
                if predicate(event):
                    return event
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no such event; got {self.lines}, stderr {self.stderr()}")

    def stderr(self) -> str:
        return self.err if self.proc.poll() is not None else "(running)"

    def _finish(self) -> None:
        self._reader.join(5)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()

    def terminate(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self._finish()
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stdout is not None and not self.proc.stdout.closed:
            self._finish()


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.kill()


def _wait_for(condition: Callable[[], bool], timeout: float) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)
    return time.monotonic() - start


def test_loop_corrects_drift_within_one_interval_and_stops_on_sigterm(
    fake: FakeConnect, tmp_path: Path, processes: list[Process]
) -> None:
    folder = _manifests(tmp_path, "a", "b", "c")
    process = Process([str(folder), "--interval", "0.2s", "-o", "json"], _env(fake))
    processes.append(process)
    process.wait_event(lambda e: e["event"] == "cycle" and e["result"] == "ok")
    assert sorted(fake.connector_names()) == ["a", "b", "c"]

    # Three kinds of drift, made by hand on the cluster. A cycle already under way may have read
    # the cluster before them; the one after it must correct all three. Counted in cycles, not
    # seconds: a loaded CI machine stretches each cycle (1.0 s was seen for a 0.2 s interval).
    last_seen = max(e.get("cycle", 0) for e in process.events())
    httpx.put(
        f"{fake.url}/connectors/a/config", json={**file_source_config("a"), "topic": "hand-edited"}
    )
    httpx.delete(f"{fake.url}/connectors/b")
    httpx.put(f"{fake.url}/connectors/c/pause")
    took = _wait_for(
        lambda: (
            (fake.connector_config("a") or {}).get("topic") == "t"
            and "b" in fake.connector_names()
            and fake.connector_state("c") == "RUNNING"
        ),
        timeout=10,
    )
    assert took < 5, f"drift took {took:.3f}s to correct"

    code = process.terminate(signal.SIGTERM)
    assert code == 0, process.stderr()
    events = process.events()
    [stopping] = [e for e in events if e["event"] == "stopping"]
    assert stopping["message"] == "received SIGTERM: stopping after the work in flight"
    assert events[-1]["event"] == "stop"
    assert events[-1]["message"].startswith("stopped cleanly after ")
    drift = {(e["connector"], e["action"]): e["cycle"] for e in events if e["event"] == "drift"}
    corrected = {key: drift.get(key) for key in [("a", "update"), ("b", "create"), ("c", "update")]}
    assert all(cycle is not None and cycle <= last_seen + 2 for cycle in corrected.values()), (
        f"corrected in cycles {corrected}, the last cycle seen before the drift was {last_seen}"
    )


def test_loop_stops_on_sigint_with_exit_0(
    fake: FakeConnect, tmp_path: Path, processes: list[Process]
) -> None:
    folder = _manifests(tmp_path, "a")
    process = Process([str(folder), "--interval", "30s"], _env(fake))
    processes.append(process)
    _wait_for(lambda: any("[cycle 1] ok:" in line for line in process.lines), 10)
    started = time.monotonic()
    assert process.terminate(signal.SIGINT) == 0
    assert time.monotonic() - started < 2  # it does not sit out the 30 s interval
    assert process.lines[-2].endswith("received SIGINT: stopping after the work in flight")
    assert process.lines[-1].endswith("stopped cleanly after 1 cycle(s)")


def test_loop_survives_a_worker_outage(
    fake: FakeConnect, tmp_path: Path, processes: list[Process]
) -> None:
    folder = _manifests(tmp_path, "a")
    process = Process([str(folder), "--interval", "0.2", "-o", "json"], _env(fake))
    processes.append(process)
    process.wait_event(lambda e: e["event"] == "cycle" and e["result"] == "ok")
    fake.set_unreachable(True)
    process.wait_event(lambda e: e["event"] == "backoff" and e["consecutive_failures"] >= 2)
    fake.set_unreachable(False)
    httpx.delete(f"{fake.url}/connectors/a")
    _wait_for(lambda: "a" in fake.connector_names(), 5)
    assert process.proc.poll() is None
    assert process.terminate() == 0
    failed = [e for e in process.events() if e["event"] == "cycle" and e["result"] == "error"]
    assert failed and "cannot reach Kafka Connect" in failed[0]["message"]


def test_metrics_port_serves_metrics_while_the_loop_runs(
    fake: FakeConnect, tmp_path: Path, processes: list[Process]
) -> None:
    folder = _manifests(tmp_path, "a")
    process = Process(
        [str(folder), "--interval", "0.2", "--metrics-port", "0", "-o", "json"], _env(fake)
    )
    processes.append(process)
    started = process.wait_event(lambda e: e["event"] == "metrics")
    assert started["url"].startswith("http://127.0.0.1:")
    process.wait_event(lambda e: e["event"] == "cycle" and e["cycle"] >= 2)
    samples = parse_text(httpx.get(f"{started['url']}/metrics").text)
    assert samples['kconnect_reconcile_cycles_total{result="ok"}'] >= 2
    assert samples["kconnect_reconcile_writes_total"] == 1
    assert httpx.get(f"{started['url']}/healthz").text == "ok\n"
    assert process.terminate() == 0
