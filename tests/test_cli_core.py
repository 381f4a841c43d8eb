"""validate / plan / apply / status / get / describe / delete, end to end against the fake worker.

Each test drives the real CLI in-process and asserts what a user sees: the exit code, the
text, and the requests that reached the worker.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRunner, file_source, write_manifest
from tests.fakeconnect import FakeConnect

SOURCE_CLASS = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def _env(fake: FakeConnect) -> dict[str, str]:
    return {"KCONNECT_URL": fake.url}


def _expanded_reads(fake: FakeConnect) -> list[str]:
    return [
        r.path for r in fake.requests if r.method == "GET" and r.path.rstrip("/") == "/connectors"
    ]


# -- validate ---------------------------------------------------------------------------------


def test_validate_clean_manifests_exits_0(cli: CliRunner, tmp_path: Path) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    result = cli("validate", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "1 connector(s) checked: 0 error(s), 0 warning(s)" in result.stdout


def test_validate_json_envelope(cli: CliRunner, tmp_path: Path) -> None:
    write_manifest(tmp_path, "a.yaml", "name: a\nconfig:\n  tasks.max: 1\n")
    result = cli("validate", str(tmp_path), "-o", "json")
    assert result.exit_code == 1
    doc = result.json
    assert doc["kconnect_result_version"] == 1
    assert doc["command"] == "validate"
    assert doc["status"] == "error"
    assert doc["exit_code"] == 1
    [problem] = doc["data"]["problems"]
    assert problem["rule"] == "manifest/connector-class"
    assert problem["file"] == str(tmp_path / "a.yaml")
    assert problem["line"] == 2


# -- plan -------------------------------------------------------------------------------------


def test_plan_reads_the_cluster_with_one_request_and_writes_nothing(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    for i in range(5):
        write_manifest(tmp_path, f"c{i}.yaml", file_source(f"c{i}"))
    fake.add_connector(
        "c0",
        {"connector.class": SOURCE_CLASS, "tasks.max": "1", "topic": "t", "file": "/tmp/c0.txt"},
    )
    fake.clear_requests()
    result = cli("plan", str(tmp_path), "--detailed-exitcode", env=_env(fake))
    assert result.exit_code == 2, result.output
    assert [(r.method, r.path, r.query) for r in fake.requests] == [
        ("GET", "/connectors", {"expand": ["info", "status"]})
    ]
    assert "+ create c1" in result.stdout
    assert "Plan: 4 to create, 0 to update, 0 to delete, 1 unchanged." in result.stdout


def test_plan_without_detailed_exitcode_exits_0_with_changes(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    assert cli("plan", str(tmp_path), env=_env(fake)).exit_code == 0


def test_plan_shows_key_level_changes(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    fake.add_connector(
        "a",
        {
            "connector.class": SOURCE_CLASS,
            "tasks.max": "1",
            "topic": "old",
            "batch.size": "100",
            "file": "/tmp/a.txt",
        },
    )
    write_manifest(
        tmp_path, "a.yaml", file_source("a", topic="new", extra="  errors.tolerance: all\n")
    )
    result = cli("plan", str(tmp_path), "--detailed-exitcode", env=_env(fake))
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert "~ update a" in lines
    assert '    ~ topic: "old" → "new"' in lines
    assert '    + errors.tolerance = "all"' in lines
    assert '    - batch.size (was "100")' in lines


def test_plan_ignores_worker_added_keys_and_value_normalisation(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a", extra="  batch.size: 0100\n"))
    assert cli("apply", str(tmp_path), env=_env(fake)).exit_code == 0
    assert fake.connector_config("a")["batch.size"] == "0100"
    result = cli("plan", str(tmp_path), "--detailed-exitcode", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert "No changes." in result.stdout


def test_plan_prune_lists_deletes_only_when_asked(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("stray", {"connector.class": SOURCE_CLASS, "topic": "t"})
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    without = cli("plan", str(tmp_path), env=_env(fake))
    assert "- delete stray" not in without.stdout
    assert "not in the manifests (use --prune to delete them): stray" in without.stdout
    with_prune = cli("plan", str(tmp_path), "--prune", env=_env(fake))
    assert "- delete stray" in with_prune.stdout


def test_plan_markdown(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    result = cli("plan", str(tmp_path), "-o", "markdown", env=_env(fake))
    assert result.stdout.startswith("## kconnect plan\n")
    assert "```diff\n+ + create a (state: running)\n" in result.stdout


def test_plan_json_envelope(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    result = cli("plan", str(tmp_path), "-o", "json", "--detailed-exitcode", env=_env(fake))
    assert result.exit_code == 2
    doc = result.json
    assert doc["status"] == "changes"
    assert doc["data"]["summary"] == {"create": 1, "update": 0, "delete": 0, "unchanged": 0}
    assert doc["data"]["changes"][0]["name"] == "a"


# -- apply ------------------------------------------------------------------------------------


def test_apply_creates_then_a_second_apply_writes_nothing(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a") + "---\n" + file_source("b"))
    first = cli("apply", str(tmp_path), env=_env(fake))
    assert first.exit_code == 0, first.output
    assert "Apply: 2 created, 0 updated, 0 deleted, 0 unchanged, 0 failed." in first.stdout
    assert sorted((r.method, r.path) for r in fake.writes()) == [
        ("PUT", "/connectors/a/config"),
        ("PUT", "/connectors/b/config"),
    ]
    fake.clear_requests()
    second = cli("apply", str(tmp_path), env=_env(fake))
    assert second.exit_code == 0
    assert fake.writes() == []
    assert "Apply: 0 created, 0 updated, 0 deleted, 2 unchanged, 0 failed." in second.stdout


def test_apply_paused_create_uses_initial_state(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a", state="paused"))
    result = cli("apply", str(tmp_path), env=_env(fake))
    assert result.exit_code == 0, result.output
    [write] = fake.writes()
    assert (write.method, write.path) == ("POST", "/connectors")
    assert write.body["initial_state"] == "PAUSED"
    assert fake.connector_state("a") == "PAUSED"


def test_apply_paused_create_on_old_worker_creates_then_pauses(
    cli: CliRunner, tmp_path: Path
) -> None:
    with FakeConnect(version="3.6.1") as old:
        write_manifest(tmp_path, "a.yaml", file_source("a", state="paused"))
        result = cli("apply", str(tmp_path), env=_env(old))
        assert result.exit_code == 0, result.output
        assert [(w.method, w.path) for w in old.writes()] == [
            ("PUT", "/connectors/a/config"),
            ("PUT", "/connectors/a/pause"),
        ]


def test_apply_state_change_only_sends_the_state_request(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    cli("apply", str(tmp_path), env=_env(fake))
    write_manifest(tmp_path, "a.yaml", file_source("a", state="stopped"))
    fake.clear_requests()
    plan = cli("plan", str(tmp_path), env=_env(fake))
    assert "    state: RUNNING → STOPPED" in plan.stdout
    result = cli("apply", str(tmp_path), env=_env(fake))
    assert result.exit_code == 0
    assert [(w.method, w.path) for w in fake.writes()] == [("PUT", "/connectors/a/stop")]
    assert fake.connector_state("a") == "STOPPED"


def test_apply_prune_needs_yes_when_not_interactive(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("stray", {"connector.class": SOURCE_CLASS, "topic": "t"})
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    refused = cli("apply", str(tmp_path), "--prune", env=_env(fake), stdin="")
    assert refused.exit_code == 1
    assert "re-run with --yes" in refused.stderr
    assert fake.writes() == []
    done = cli("apply", str(tmp_path), "--prune", "--yes", env=_env(fake))
    assert done.exit_code == 0, done.output
    assert fake.connector_names() == ["a"]


def test_apply_retries_409_during_rebalance(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    fake.start_rebalance(writes=2)
    result = cli("apply", str(tmp_path), "-v", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert fake.connector_config("a") is not None
    assert result.stderr.count("retrying PUT /connectors/a/config") == 2


@pytest.mark.parametrize(
    "fault",
    [
        # the worker's own 90 s herder timeout: the operation keeps running
        {"status": 500, "message": "Request timed out"},
        # the connection drops after the request went out
        {"reset_connection": True},
        # a follower lost the leader mid-forward (seen on a real cluster)
        {"status": 500, "message": "IO Error trying to forward REST request: java.io.EOFException"},
    ],
    ids=["request-timed-out", "connection-reset", "forward-cut"],
)
def test_apply_unknown_outcome_is_re_read_not_repeated(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, fault: dict[str, Any]
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    fake.inject(method="PUT", path="/connectors/a/config", apply_anyway=True, **fault)
    result = cli("apply", str(tmp_path), env=_env(fake))
    assert result.exit_code == 0, result.output
    assert len([r for r in fake.requests if r.method == "PUT"]) == 1
    assert ("GET", "/connectors/a/config") in [(r.method, r.path) for r in fake.requests]


def test_apply_partial_failure_names_what_failed(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a") + "---\n" + file_source("b"))
    fake.inject(
        method="PUT",
        path="/connectors/b/config",
        status=400,
        message="Connector configuration is invalid",
    )
    result = cli("apply", str(tmp_path), env=_env(fake))
    assert result.exit_code == 1
    assert (
        "✗ b: create failed: PUT /connectors/b/config: HTTP 400: Connector configuration is invalid"
        in result.stdout
    )
    assert "Apply: 1 created, 0 updated, 0 deleted, 0 unchanged, 1 failed." in result.stdout


def test_apply_wait_reports_failed_task_and_exits_3(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    trace = "java.lang.IllegalStateException: boom\n\tat x.Y.start(Y.java:1)\n\tat a.B(B.java:2)\n\tat c.D(D.java:3)"

    def fail_once_created() -> None:
        deadline = time.monotonic() + 10
        while fake.task_states("a") in (None, []) and time.monotonic() < deadline:
            time.sleep(0.005)
        fake.fail_task("a", 0, trace)

    # Slow down the cluster reads (the plan's and the first wait poll) so the task fails
    # before the wait sees it running, as a task that crashes on start does.
    fake.inject(method="GET", path="/connectors", delay=0.3, times=2)
    threading.Thread(target=fail_once_created, daemon=True).start()
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    result = cli("apply", str(tmp_path), "--wait", "--timeout", "20", env=_env(fake))
    assert result.exit_code == 3, result.output
    assert "✗ a failed:" in result.stdout
    assert "java.lang.IllegalStateException: boom" in result.stdout
    assert "c.D(D.java:3)" not in result.stdout  # only the first lines of the trace
    # The summary counts the connector once, by its final outcome: created, then FAILED.
    assert result.stdout.splitlines()[-1] == (
        "Apply: 0 created, 0 updated, 0 deleted, 0 unchanged, 1 failed (1 did not reach its state)."
    )


def test_apply_wait_succeeds_when_running(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    result = cli("apply", str(tmp_path), "--wait", "--timeout", "20", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert "All 1 connector(s) reached their state" in result.stdout


def test_unreachable_worker_exits_1_with_message(cli: CliRunner, tmp_path: Path) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    result = cli(
        "plan", str(tmp_path), env={"KCONNECT_URL": "http://127.0.0.1:9", "KCONNECT_RETRIES": "2"}
    )
    assert result.exit_code == 1
    assert "cannot reach Kafka Connect at http://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.output


# -- status and friends -----------------------------------------------------------------------


def test_status_healthy_and_unhealthy(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("a", {"connector.class": SOURCE_CLASS, "tasks.max": "1", "topic": "t"})
    ok = cli("status", env=_env(fake))
    assert ok.exit_code == 0, ok.output
    assert "RUNNING" in ok.stdout
    fake.fail_task(
        "a", 0, "org.apache.kafka.connect.errors.ConnectException: disk on fire\n\tat x(X.java:1)"
    )
    bad = cli("status", "a", env=_env(fake))
    assert bad.exit_code == 3
    assert "task 0: FAILED" in bad.stdout
    assert "ConnectException: disk on fire" in bad.stdout
    doc = cli("status", "-o", "json", env=_env(fake)).json
    assert doc["status"] == "unhealthy"
    assert doc["data"]["connectors"][0]["tasks"][0]["state"] == "FAILED"


def test_status_unknown_connector_exits_1(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("status", "nope", env=_env(fake))
    assert result.exit_code == 1
    assert result.stdout == "✗ nope: no such connector\n"


def test_status_shows_the_named_connectors_that_exist_and_names_the_missing(
    cli: CliRunner, fake: FakeConnect
) -> None:
    fake.add_connector("a", {"connector.class": SOURCE_CLASS, "tasks.max": "1", "topic": "t"})
    result = cli("status", "a", "nope", env=_env(fake))
    assert result.exit_code == 1
    [header, row, missing] = result.stdout.splitlines()
    assert header.split() == ["CONNECTOR", "TYPE", "STATE", "TASKS", "WORKER"]
    assert row.split()[:4] == ["a", "source", "RUNNING", "1/1"]
    assert missing == "✗ nope: no such connector"
    assert result.stderr == ""
    doc = cli("status", "a", "nope", "-o", "json", env=_env(fake)).json
    assert doc["exit_code"] == 1
    assert [c["name"] for c in doc["data"]["connectors"]] == ["a"]
    assert doc["data"]["missing"] == ["nope"]


def test_get_shows_the_task_states(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("a", {"connector.class": SOURCE_CLASS, "tasks.max": "1", "topic": "t"})
    fake.add_connector("b", {"connector.class": SOURCE_CLASS, "tasks.max": "1", "topic": "t"})
    fake.fail_task("a", 0, "org.apache.kafka.connect.errors.ConnectException: boom")
    result = cli("get", env=_env(fake))
    assert result.exit_code == 0
    [_, row_a, row_b] = result.stdout.splitlines()
    assert row_a.split()[:6] == ["a", "source", "RUNNING", "0/1", "(1", "FAILED)"]
    assert row_b.split()[:5] == ["b", "source", "RUNNING", "1/1", SOURCE_CLASS]
    entry = cli("get", "-o", "json", env=_env(fake)).json["data"]["connectors"][0]
    assert entry["tasks"] == 1
    assert entry["task_states"] == {"FAILED": 1}


def test_get_and_describe(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("a", {"connector.class": SOURCE_CLASS, "tasks.max": "1", "topic": "t"})
    listing = cli("get", env=_env(fake))
    assert listing.exit_code == 0
    assert "a" in listing.stdout and SOURCE_CLASS in listing.stdout
    described = cli("describe", "a", env=_env(fake))
    assert described.exit_code == 0, described.output
    assert "  topic = t" in described.stdout
    missing = cli("describe", "nope", env=_env(fake))
    assert missing.exit_code == 1
    assert "Connector nope not found" in missing.stderr


def test_delete(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("a", {"connector.class": SOURCE_CLASS, "topic": "t"})
    refused = cli("delete", "a", env=_env(fake), stdin="")
    assert refused.exit_code == 1
    assert fake.connector_names() == ["a"]
    done = cli("delete", "a", "nope", "--yes", env=_env(fake))
    assert done.exit_code == 1
    assert "✓ deleted a" in done.stdout
    assert "✗ nope: connector nope not found" in done.stdout


# -- usage ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("plan",),
        ("apply", "x", "--concurrency", "0"),
        ("status", "--output", "yaml"),
        ("frobnicate",),
    ],
)
def test_usage_errors_exit_64(cli: CliRunner, args: tuple[str, ...]) -> None:
    assert cli(*args).exit_code == 64


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("plan", "--bogus", "x"), "Error: No such option: --bogus"),
        (
            ("plan", "--verbos", "x"),
            "Error: No such option: --verbos (Possible options: --verbose)",
        ),
        (("plan",), "Error: Missing argument 'PATH'."),
    ],
)
def test_usage_messages_read_as_a_user_expects(
    cli: CliRunner, args: tuple[str, ...], error: str
) -> None:
    result = cli(*args)
    assert result.exit_code == 64
    assert result.stderr.splitlines() == [
        "Usage: kconnect plan [OPTIONS] PATH...",
        "Try 'kconnect plan -h' for help.",
        "",
        error,
    ]


def test_version(cli: CliRunner) -> None:
    from kconnect import __version__

    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"kconnect {__version__}\n"


# -- online validation ------------------------------------------------------------------------


def test_validate_online_maps_worker_errors_to_file_and_line(
    cli: CliRunner, tmp_path: Path
) -> None:
    # A class kconnect has no catalog for: only the worker knows batch.size is an INT.
    from tests.fakeconnect import FakeConfigKey, FakePlugin

    plugin = FakePlugin(
        "com.example.CountSourceConnector", "source", configs=[FakeConfigKey("batch.size", "INT")]
    )
    manifest = "name: a\nconfig:\n  connector.class: com.example.CountSourceConnector\n"
    path = write_manifest(tmp_path, "a.yaml", manifest + "  batch.size: lots\n")
    offline = cli("validate", str(tmp_path))
    assert offline.exit_code == 0, offline.output
    with FakeConnect(plugins=[plugin]) as fake:
        online = cli("validate", str(tmp_path), "--online", env=_env(fake))
        assert online.exit_code == 1
        assert (
            f"{path}:4: error: batch.size: Invalid value lots for configuration batch.size"
            in online.stdout
        )
        assert [(r.method, r.path) for r in fake.requests] == [
            ("PUT", "/connector-plugins/CountSourceConnector/config/validate")
        ]
        assert fake.connector_names() == []


def test_validate_online_unknown_plugin(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    path = write_manifest(
        tmp_path, "a.yaml", "name: a\nconfig:\n  connector.class: com.example.NopeConnector\n"
    )
    result = cli("validate", str(tmp_path), "--online", env=_env(fake))
    assert result.exit_code == 1
    assert (
        f"{path}:3: error: the worker has no connector plugin 'com.example.NopeConnector'"
        in result.stdout
    )


def test_plan_online_masks_keys_the_worker_types_as_password(
    cli: CliRunner, tmp_path: Path
) -> None:
    from tests.fakeconnect import FakeConfigKey, FakePlugin

    plugin = FakePlugin(
        "com.example.PinSourceConnector", "source", configs=[FakeConfigKey("door.pin", "PASSWORD")]
    )
    with FakeConnect(plugins=[plugin]) as fake:
        write_manifest(
            tmp_path,
            "a.yaml",
            "name: a\nconfig:\n  connector.class: com.example.PinSourceConnector\n  door.pin: '8642'\n",
        )
        plain = cli("plan", str(tmp_path), env=_env(fake))
        assert 'door.pin = "8642"' in plain.stdout
        masked = cli("plan", str(tmp_path), "--online", env=_env(fake))
        assert masked.exit_code == 0, masked.output
        assert 'door.pin = "********"' in masked.stdout
        assert "8642" not in masked.output


def test_leader_unreachable_during_forwarding_is_retried(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    # Seen on a real follower while the leader restarts: the write never reached the leader.
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    fake.inject(
        method="PUT",
        path="/connectors/a/config",
        status=500,
        message="IO Error trying to forward REST request: java.net.ConnectException: Connection refused",
    )
    result = cli("apply", str(tmp_path), "-v", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert "retrying PUT /connectors/a/config (attempt 2/8)" in result.stderr
    assert fake.connector_config("a") is not None


def test_usage_error_with_json_output_still_prints_an_envelope(cli: CliRunner) -> None:
    result = cli("plan", "connectors.d", "-o", "json", "--no-such-flag")
    assert result.exit_code == 64
    doc = result.json
    assert doc["status"] == "usage-error"
    assert doc["exit_code"] == 64
    assert doc["errors"][0]["type"] == "UsageError"
    assert "--no-such-flag" in doc["errors"][0]["message"]


def test_plan_json_status_shows_pending_changes_whatever_the_flag(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    plain = cli("plan", str(tmp_path), "-o", "json", env=_env(fake))
    detailed = cli("plan", str(tmp_path), "-o", "json", "--detailed-exitcode", env=_env(fake))
    assert (plain.exit_code, plain.json["status"], plain.json["exit_code"]) == (0, "changes", 0)
    assert (detailed.exit_code, detailed.json["status"]) == (2, "changes")
    assert cli("apply", str(tmp_path), env=_env(fake)).exit_code == 0
    settled = cli("plan", str(tmp_path), "-o", "json", env=_env(fake))
    assert (settled.exit_code, settled.json["status"]) == (0, "ok")
