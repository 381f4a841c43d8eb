"""Worker answers and faults (issue #11) and bulk writes (issue #14), against the fake worker:
answers of the wrong shape, unknown outcomes of multi-connector commands, a dead worker,
and how many writes of each kind run at once."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRunner
from tests.fakeconnect import FakeConnect

# Every test here runs over both transports of the client (light and httpx).
pytestmark = pytest.mark.usefixtures("both_transports")

SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
TIMED_OUT = "Request timed out"


def _env(fake: FakeConnect, **extra: str) -> dict[str, str]:
    return {"KCONNECT_URL": fake.url, **extra}


def _sink(name: str, **extra: str) -> dict[str, str]:
    return {
        "connector.class": SINK,
        "topics": "t",
        "file": f"/tmp/{name}.txt",
        "tasks.max": "1",
        **extra,
    }


def _manifests(path: Path, names: list[str], **extra: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    docs = []
    for name in names:
        config = "\n".join(f"  {k}: {v!r}" for k, v in _sink(name, **extra).items())
        docs.append(f"name: {name}\nconfig:\n{config}\n")
    (path / "connectors.yaml").write_text("---\n".join(docs))
    return path


def _calls(fake: FakeConnect, name: str) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests if f"/connectors/{name}" in r.path]


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- answers of the wrong shape ------------------------------------------------------------------

EXPANDED = r"/connectors"


@pytest.mark.parametrize(
    ("args", "path", "body", "endpoint", "problem"),
    [
        (
            ("status",),
            EXPANDED,
            42,
            "GET /connectors?expand=info&expand=status",
            "the answer to be a list or an object, got a number",
        ),
        (
            ("get",),
            EXPANDED,
            {"a": {"info": {"config": 7}}},
            "GET /connectors?expand=info&expand=status",
            "['a']['info']['config'] to be an object, got a number",
        ),
        (
            ("export", "--dir", "{tmp}/out"),
            EXPANDED,
            {"a": {"info": {"config": {}}, "status": {"connector": "RUNNING", "tasks": []}}},
            "GET /connectors?expand=info&expand=status",
            "['a']['status']['connector'] to be an object, got a string",
        ),
        (
            ("describe", "a"),
            r"/connectors/a",
            {},
            "GET /connectors/a",
            "the answer to have 'config'",
        ),
        (
            ("describe", "a"),
            r"/connectors/a/status",
            {"connector": {"state": "RUNNING"}, "tasks": "none"},
            "GET /connectors/a/status",
            "['tasks'] to be a list, got a string",
        ),
        (
            ("plugins",),
            r"/connector-plugins",
            {"class": "x"},
            "GET /connector-plugins",
            "the answer to be a list, got an object",
        ),
    ],
)
def test_an_answer_of_the_wrong_shape_is_a_clear_error_naming_the_endpoint(
    cli: CliRunner,
    fake: FakeConnect,
    tmp_path: Path,
    args: tuple[str, ...],
    path: str,
    body: Any,
    endpoint: str,
    problem: str,
) -> None:
    fake.add_connector("a", _sink("a"))
    fake.inject(method="GET", path=path, body=body, times=5)
    result = cli(*(a.replace("{tmp}", str(tmp_path)) for a in args), env=_env(fake))
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {endpoint}: HTTP 200: unexpected answer from the worker: expected {problem}\n"
    )
    assert not (tmp_path / "out").exists()


def test_plan_with_a_number_for_the_cluster_is_an_error_and_nothing_is_written(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    manifests = _manifests(tmp_path / "m", ["a"])
    fake.inject(method="GET", path=EXPANDED, body=3, times=5)
    for command in ("plan", "apply"):
        result = cli(
            command, str(manifests), "--yes" if command == "apply" else "-v", env=_env(fake)
        )
        assert result.exit_code == 1, result.output
        assert "GET /connectors?expand=info&expand=status: HTTP 200: unexpected answer" in (
            result.stderr
        )
    assert fake.writes() == []


def test_json_envelope_carries_the_shape_error(cli: CliRunner, fake: FakeConnect) -> None:
    fake.inject(method="GET", path=r"/connectors/a/status", body=[1, 2])
    fake.add_connector("a", _sink("a"))
    result = cli("describe", "a", "-o", "json", env=_env(fake))
    assert result.exit_code == 1
    [error] = result.json["errors"]
    assert error["type"] == "UnexpectedAnswer"
    assert error["http_status"] == 200
    assert "GET /connectors/a/status" in error["message"]


# -- multi-connector commands: parallel, unknown outcomes re-read, each reported -------------


@pytest.mark.parametrize("applied", [True, False], ids=["happened", "did-not-happen"])
def test_delete_with_an_unknown_outcome_is_re_read_and_reported_deleted(
    cli: CliRunner, fake: FakeConnect, applied: bool
) -> None:
    for name in ("a", "b", "c"):
        fake.add_connector(name, _sink(name))
    fake.clear_requests()
    fake.inject(
        method="DELETE", path=r"/connectors/b", status=500, message=TIMED_OUT, apply_anyway=applied
    )
    result = cli("delete", "a", "b", "c", "--yes", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.stdout == "✓ deleted a\n✓ deleted b\n✓ deleted c\n"
    assert fake.connector_names() == []
    expected = [("DELETE", "/connectors/b"), ("GET", "/connectors/b")]
    if not applied:
        expected.append(("DELETE", "/connectors/b"))  # still there: asked once more
    assert _calls(fake, "b") == expected


@pytest.mark.parametrize("action, state", [("pause", "PAUSED"), ("stop", "STOPPED")])
def test_state_change_with_an_unknown_outcome_carries_on_with_the_others(
    cli: CliRunner, fake: FakeConnect, action: str, state: str
) -> None:
    for name in ("a", "b", "c"):
        fake.add_connector(name, _sink(name))
    fake.clear_requests()
    # The first name's change times out on the worker and did not happen.
    fake.inject(method="PUT", path=rf"/connectors/a/{action}", status=500, message=TIMED_OUT)
    result = cli(action, "a", "b", "c", env=_env(fake))
    assert result.exit_code == 0, result.output
    done = {"pause": "paused", "stop": "stopped"}[action]
    assert result.stdout == f"✓ {done} a\n✓ {done} b\n✓ {done} c\n"
    assert [fake.connector_state(n) for n in "abc"] == [state] * 3
    assert _calls(fake, "a") == [
        ("PUT", f"/connectors/a/{action}"),
        ("GET", "/connectors/a/status"),
        ("PUT", f"/connectors/a/{action}"),
    ]


def test_resume_with_an_unknown_outcome_that_happened_is_not_repeated(
    cli: CliRunner, fake: FakeConnect
) -> None:
    fake.add_connector("a", _sink("a"), state="PAUSED")
    fake.clear_requests()
    fake.inject(
        method="PUT", path=r"/connectors/a/resume", reset_connection=True, apply_anyway=True
    )
    result = cli("resume", "a", "-o", "json", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.json["data"]["results"] == [{"name": "a", "ok": True, "error": None}]
    assert _calls(fake, "a") == [("PUT", "/connectors/a/resume"), ("GET", "/connectors/a/status")]


def test_a_failure_in_a_multi_delete_is_reported_and_the_rest_still_go(
    cli: CliRunner, fake: FakeConnect
) -> None:
    for name in ("a", "c"):
        fake.add_connector(name, _sink(name))
    fake.inject(method="DELETE", path=r"/connectors/c", status=500, message="boom")
    result = cli("delete", "a", "nope", "c", "--yes", env=_env(fake))
    assert result.exit_code == 1
    assert result.stdout == (
        "✓ deleted a\n"
        "✗ nope: connector nope not found\n"
        "✗ c: DELETE /connectors/c: HTTP 500: boom\n"
        "Delete: 1 deleted, 2 failed.\n"
    )
    assert fake.connector_names() == ["c"]


def test_restart_of_several_with_an_unknown_outcome_is_reported(
    cli: CliRunner, fake: FakeConnect
) -> None:
    for name in ("a", "b"):
        fake.add_connector(name, _sink(name))
    fake.inject(method="POST", path=r"/connectors/a/restart", status=500, message=TIMED_OUT)
    result = cli("restart", "a", "b", env=_env(fake))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "✗ a: POST /connectors/a/restart: worker said 'Request timed out'; outcome unknown; "
        "its status shows no restart under way (connector RUNNING): run `kconnect restart a` "
        "again if it still needs one",
        "✓ restarting b: connector",
        "Restart: 1 ok, 1 failed.",
    ]
    # Never repeated blindly: one restart request each.
    assert [(r.method, r.path) for r in fake.writes()].count(("POST", "/connectors/a/restart")) == 1


@pytest.mark.parametrize(("status", "message"), [(504, "Gateway Time-out"), (502, "Bad Gateway")])
def test_a_restart_a_gateway_failed_on_is_not_sent_again(
    cli: CliRunner, fake: FakeConnect, status: int, message: str
) -> None:
    # The gateway passed the restart on and then gave up waiting (504) or lost the worker's
    # connection (502): it happened, or is happening.
    fake.add_connector("a", _sink("a"))
    fake.inject(
        method="POST",
        path=r"/connectors/a/restart",
        status=status,
        message=message,
        apply_anyway=True,
    )
    result = cli("restart", "a", env=_env(fake))
    assert f"HTTP {status} from a gateway" in result.stdout + result.stderr
    assert "outcome unknown" in result.stdout + result.stderr
    assert [(r.method, r.path) for r in fake.writes()].count(("POST", "/connectors/a/restart")) == 1


def test_multi_connector_commands_run_in_parallel(cli: CliRunner, fake: FakeConnect) -> None:
    names = [f"p{i:02d}" for i in range(40)]
    for name in names:
        fake.add_connector(name, _sink(name))
    fake.latency = 0.3
    for command in ("pause", "resume", "restart", "delete"):
        fake.clear_requests()
        extra = ("--yes",) if command == "delete" else ()
        result = cli(command, *names, *extra, env=_env(fake))
        assert result.exit_code == 0, result.output
        assert len(result.stdout.splitlines()) == len(names)
        # Many at once (16 or 32 to start with, depending on the kind), never past 32.
        assert 8 < fake.max_in_flight <= 32, (command, fake.max_in_flight)
    assert fake.connector_names() == []


def test_concurrency_flag_fixes_the_number_in_flight(cli: CliRunner, fake: FakeConnect) -> None:
    names = [f"q{i}" for i in range(12)]
    for name in names:
        fake.add_connector(name, _sink(name))
    fake.latency = 0.1
    for n in ("1", "3"):
        fake.clear_requests()
        result = cli("pause", *names, "--concurrency", n, env=_env(fake))
        assert result.exit_code == 0, result.output
        assert fake.max_in_flight == int(n)


def test_apply_runs_up_to_32_writes_at_once(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    names = [f"k{i:02d}" for i in range(60)]
    manifests = _manifests(tmp_path / "m", names)
    fake.latency = 0.3
    result = cli("apply", str(manifests), "--yes", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert 8 < fake.max_in_flight <= 32
    assert len(fake.writes()) == 60


def test_apply_through_a_rebalance_storm_backs_off_and_writes_everything(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """409s halve the window; every write still lands, none fails."""
    names = [f"r{i:02d}" for i in range(40)]
    manifests = _manifests(tmp_path / "m", names)
    fake.latency = 0.02
    fake.start_rebalance(30)
    result = cli("apply", str(manifests), "--yes", "-o", "json", env=_env(fake))
    assert result.exit_code == 0, result.stderr
    assert result.json["data"]["summary"]["created"] == 40
    assert result.json["data"]["retries"] == 30
    assert sorted(fake.connector_names()) == names


def test_the_window_halves_on_a_conflict_and_grows_back_one_by_one() -> None:
    from kconnect.ops.bulk import _Window

    window = _Window(8, 32, adaptive=True)
    for _ in range(4):  # the first writes set the typical latency
        window.enter()
        window.leave(1.0, conflicted=False)
    assert window.limit == 8
    window.enter()
    window.leave(1.0, conflicted=True)
    assert window.limit == 4
    for _ in range(3):
        window.enter()
        window.leave(1.5, conflicted=False)
    assert window.limit == 7
    window.enter()
    window.leave(2.5, conflicted=False)  # latency ran away: no growth
    assert window.limit == 7


@pytest.mark.parametrize(
    ("first", "typical"),
    [([1.0, 3.0, 2.0, 10.0], 2.5), ([4.0, 1.0, 2.0], 2.0), ([3.0], 3.0)],
)
def test_the_typical_latency_is_the_median_of_the_first_writes(
    first: list[float], typical: float
) -> None:
    from kconnect.ops.bulk import _Window

    window = _Window(len(first), 32, adaptive=True)
    for latency in first:
        window.enter()
        window.leave(latency, conflicted=False)
    start = window.limit
    window.enter()
    window.leave(2 * typical + 0.01, conflicted=False)  # just past twice the median: no growth
    assert window.limit == start
    window.enter()
    window.leave(2 * typical, conflicted=False)
    assert window.limit == start + 1


# -- a dead worker ---------------------------------------------------------------------------------


def test_status_against_an_unreachable_url_shows_retries_and_gives_up_in_time(
    cli: CliRunner,
) -> None:
    url = _closed_port()
    started = time.monotonic()
    result = cli("status", env={"KCONNECT_URL": url, "KCONNECT_UNREACHABLE_TIMEOUT": "3"})
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    refused = f"cannot reach Kafka Connect at {url}: [Errno 111] Connection refused"
    assert lines[-1] == f"error: {refused}{NOTHING_ANSWERED.format(source='from KCONNECT_URL')}"
    notices = lines[:-1]
    # Every retry of the one request is shown as it happens, numbered.
    assert len(notices) >= 3
    for attempt, line in enumerate(notices, start=2):
        assert line.startswith("kconnect: worker unreachable, retrying in "), line
        assert line.endswith(f" s ({attempt}/8): {refused}"), line
    assert 2.5 < elapsed < 6, elapsed


NOTHING_ANSWERED = (
    "; nothing has answered at this URL ({source}): check it, and set it with --url, "
    "KCONNECT_URL or a context in the config file (`kconnect context list`)"
)


@pytest.mark.parametrize("how", ["env", "flag", "context", "default"])
def test_a_wrong_url_fails_fast_on_first_contact_and_says_where_it_came_from(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Refused on the first request of a run: almost always a wrong URL. No retry notices,
    an error within 2 s naming the URL, where it came from and how to set it."""
    url = _closed_port()
    args: list[str] = []
    env: dict[str, str] = {}
    source = {"env": "from KCONNECT_URL", "flag": "from --url", "default": "kconnect's default"}
    if how == "env":
        env["KCONNECT_URL"] = url
    elif how == "flag":
        args = ["--url", url]
    elif how == "context":
        config = tmp_path / "config.yaml"
        config.write_text(f"current-context: dev\ncontexts:\n  dev:\n    url: {url}\n")
        env["KCONNECT_CONFIG"] = str(config)
        source["context"] = f"from context dev ({config}:4)"
    else:
        monkeypatch.setattr("kconnect.config.settings.DEFAULT_URL", url)
    started = time.monotonic()
    result = cli("plan", str(_manifests(tmp_path / "m", ["a"])), *args, env=env)
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: cannot reach Kafka Connect at {url}: [Errno 111] Connection refused"
        + NOTHING_ANSWERED.format(source=source[how])
    ]
    assert elapsed < 2, elapsed


def test_an_unknown_host_fails_fast_on_first_contact(cli: CliRunner) -> None:
    started = time.monotonic()
    result = cli("get", env={"KCONNECT_URL": "http://no-such-host.invalid:8083"})
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(
        "error: cannot reach Kafka Connect at http://no-such-host.invalid:8083: "
    )
    assert line.endswith(NOTHING_ANSWERED.format(source="from KCONNECT_URL"))
    assert time.monotonic() - started < 2


def test_reconcile_keeps_the_long_visible_budget_on_first_contact(
    cli: CliRunner, tmp_path: Path
) -> None:
    """A reconcile loop outlives a worker restart: a refused first contact is retried and
    shown, as for a worker that answered before (here bounded by KCONNECT_RETRIES)."""
    env = {"KCONNECT_URL": _closed_port(), "KCONNECT_RETRIES": "3"}
    result = cli("reconcile", str(_manifests(tmp_path / "m", ["a"])), "--once", env=env)
    assert result.exit_code == 1
    notices = [x for x in result.stderr.splitlines() if "worker unreachable, retrying" in x]
    assert len(notices) == 2, result.stderr


def test_unreachable_timeout_flag_overrides_the_environment(cli: CliRunner) -> None:
    url = _closed_port()
    started = time.monotonic()
    result = cli(
        "get",
        "--unreachable-timeout",
        "1",
        env={"KCONNECT_URL": url, "KCONNECT_UNREACHABLE_TIMEOUT": "60"},
    )
    assert result.exit_code == 1
    assert time.monotonic() - started < 4


def _kill_at_first_write(fake: FakeConnect) -> threading.Thread:
    def watch() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if fake.writes():
                fake.set_unreachable(True)
                return
            time.sleep(0.005)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_apply_of_200_against_a_worker_that_dies_fails_fast_and_accounts_for_each(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """Issue #11's target, with the default retry settings: every connector is reported and
    the command ends within 30 s (one unreachable budget for the whole command, not 200)."""
    names = [f"d{i:03d}" for i in range(200)]
    manifests = _manifests(tmp_path / "m", names)
    fake.latency = 0.02
    watcher = _kill_at_first_write(fake)
    started = time.monotonic()
    result = cli("apply", str(manifests), "--yes", "-o", "json", env=_env(fake))
    elapsed = time.monotonic() - started
    watcher.join()
    assert result.exit_code == 1, result.stderr[-2000:]
    data = result.json["data"]
    assert elapsed < 30, elapsed
    results = data["results"]
    assert sorted(r["name"] for r in results) == names
    failed = [r for r in results if not r["ok"]]
    assert data["summary"]["failed"] == len(failed) >= 190
    assert data["summary"]["created"] == 200 - len(failed)
    assert all(f"cannot reach Kafka Connect at {fake.url}" in r["error"] for r in failed)
    retry_lines = [x for x in result.stderr.splitlines() if "worker unreachable, retrying" in x]
    # Parallel writers share one notice per second, not one per request.
    assert 1 <= len(retry_lines) <= elapsed + 8
    print(f"\n200 against a dead worker: exit 1 after {elapsed:.1f}s, {len(failed)} failed")


def test_delete_of_many_against_a_dead_worker_fails_each_fast(
    cli: CliRunner, fake: FakeConnect
) -> None:
    names = [f"x{i:03d}" for i in range(100)]
    for name in names:
        fake.add_connector(name, _sink(name))
    fake.set_unreachable(True)
    started = time.monotonic()
    result = cli("delete", *names, "--yes", env=_env(fake, KCONNECT_UNREACHABLE_TIMEOUT="2"))
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 101 and lines[-1] == "Delete: 0 deleted, 100 failed."
    assert all("cannot reach Kafka Connect" in line for line in lines[:-1])
    assert elapsed < 5, elapsed


def test_a_worker_that_comes_back_is_used_again_by_the_same_client(fake: FakeConnect) -> None:
    """The breaker lets a probe through after a while (the reconcile loop, `--wait`)."""
    from kconnect.api.client import ConnectClient
    from kconnect.config.settings import ClientSettings, RetryPolicy
    from kconnect.errors import ConnectUnreachable

    settings = ClientSettings(
        url=fake.url, retry=RetryPolicy(attempts=2, initial_backoff=0.01, unreachable_timeout=0.5)
    )
    with ConnectClient(settings) as client:
        client.reachability.probe_after = 0.3
        fake.set_unreachable(True)
        with pytest.raises(ConnectUnreachable):
            client.list_names()
        started = time.monotonic()
        with pytest.raises(ConnectUnreachable):
            client.list_names()  # open: fails at once
        assert time.monotonic() - started < 0.1
        fake.set_unreachable(False)
        time.sleep(0.35)
        assert client.list_names() == []


def test_wait_gives_up_on_a_worker_that_stays_silent(cli: CliRunner, fake: FakeConnect) -> None:
    """`--wait` rides out a worker restart, but not a dead worker: it ends with the
    unreachable error once the budget is used, not at --timeout."""
    fake.add_connector("a", _sink("a"), state="PAUSED")
    fake.clear_requests()

    def kill_when_waiting() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any(r.method == "GET" and r.path == "/connectors" for r in list(fake.requests)):
                fake.set_unreachable(True)
                return
            time.sleep(0.005)

    watcher = threading.Thread(target=kill_when_waiting, daemon=True)
    watcher.start()
    fake.inject(method="GET", path=r"/connectors", body={"a": {}})  # first poll: not there yet
    started = time.monotonic()
    result = cli(
        "resume",
        "a",
        "--wait",
        "--timeout",
        "120",
        env=_env(fake, KCONNECT_UNREACHABLE_TIMEOUT="2"),
    )
    elapsed = time.monotonic() - started
    watcher.join()
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1] == (
        f"error: cannot reach Kafka Connect at {fake.url}: [Errno 111] Connection refused"
    )
    assert elapsed < 10, elapsed
