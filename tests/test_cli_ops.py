"""restart, pause/resume/stop, offsets, plugins, export, loggers, info — end to end against the
fake worker: exit codes, what the user sees, and the requests that reached the worker.

Also the secret canary for these commands: known secret values must never be printed."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from kconnect.ops.export import env_variable_name, escape_value, render_manifest, safe_filename
from tests.conftest import MYSQL, MYSQL_LIVE_WITH_CANARY, CliRunner
from tests.fakeconnect import STOPPED_REQUIRED, FakeConnect

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"


def _env(fake: FakeConnect, **extra: str) -> dict[str, str]:
    return {"KCONNECT_URL": fake.url, **extra}


def _source(name: str = "src", **extra: str) -> dict[str, str]:
    return {
        "connector.class": SOURCE,
        "tasks.max": "1",
        "topic": "t",
        "file": f"/tmp/{name}.txt",
        **extra,
    }


def _writes(fake: FakeConnect) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.writes()]


# -- restart ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "failed", "stdout", "sent"),
    [
        ([], False, "✓ restarting src: connector\n", ("/connectors/src/restart", {})),
        (
            ["--include-tasks", "--failed-only"],
            True,
            "✓ restarting src: task 0\n",
            ("/connectors/src/restart", {"includeTasks": ["true"], "onlyFailed": ["true"]}),
        ),
        (
            ["--task", "0"],
            True,
            "✓ restarting src: task 0\n",
            ("/connectors/src/tasks/0/restart", {}),
        ),
    ],
    ids=["connector-only", "failed-tasks-only", "one-task"],
)
def test_restart_lists_what_restarts_and_sends_one_request(
    cli: CliRunner,
    fake: FakeConnect,
    args: list[str],
    failed: bool,
    stdout: str,
    sent: tuple[str, dict[str, list[str]]],
) -> None:
    fake.add_connector("src", _source())
    if failed:
        fake.fail_task("src", 0)
    fake.clear_requests()
    result = cli("restart", "src", *args, env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.stdout == stdout
    [request] = fake.writes()
    assert (request.method, request.path, request.query) == ("POST", *sent)
    assert fake.task_states("src") == ["RUNNING"]


def test_restart_include_tasks_json(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("src", _source())
    result = cli("restart", "src", "--include-tasks", "-o", "json", env=_env(fake))
    assert result.exit_code == 0
    assert result.json["command"] == "restart"
    [restarted] = result.json["data"]["results"]
    assert restarted["restarting"] == ["connector", "task 0"]
    assert (restarted["name"], restarted["ok"], restarted["error"]) == ("src", True, None)


@pytest.mark.parametrize(
    ("args", "code", "stdout"),
    [
        (
            ["src", "--include-tasks", "--failed-only"],
            0,
            "src: nothing to restart (no FAILED connector or task)\n",
        ),
        (["src", "--task", "7"], 1, "✗ src: Unknown task: src-7\n"),
        (["nope"], 1, "✗ nope: Unknown connector: nope\n"),
    ],
    ids=["nothing-failed", "unknown-task", "unknown-connector"],
)
def test_restart_says_what_it_did_not_restart(
    cli: CliRunner, fake: FakeConnect, args: list[str], code: int, stdout: str
) -> None:
    fake.add_connector("src", _source())
    result = cli("restart", *args, env=_env(fake))
    assert result.exit_code == code
    assert result.stdout == stdout


def test_restart_task_with_kip745_flags_is_a_usage_error(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("src", _source())
    fake.clear_requests()
    result = cli("restart", "src", "--task", "0", "--include-tasks", env=_env(fake))
    assert result.exit_code == 64
    assert "cannot be combined with --include-tasks" in result.stderr
    assert fake.writes() == []


@pytest.mark.parametrize("word", ["connector", "task"])
def test_restart_with_another_tools_word_order_restarts_nothing_and_says_so(
    cli: CliRunner, fake: FakeConnect, word: str
) -> None:
    fake.add_connector("src", _source())
    fake.clear_requests()
    result = cli("restart", word, "src", env=_env(fake))
    assert result.exit_code == 64
    assert result.stderr == (
        f"error: {word!r} is not a connector on the cluster: `kconnect restart` takes connector "
        "names only (`kconnect restart NAME...`; one task: `kconnect restart NAME --task ID`); "
        "nothing was restarted\n"
    )
    assert fake.writes() == []
    fake.add_connector(word, _source(word))  # a connector may really be called that
    assert cli("restart", word, "src", env=_env(fake)).exit_code == 0


# -- pause / resume / stop ------------------------------------------------------------------------


def test_pause_and_resume_several(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("a", _source("a"))
    fake.add_connector("b", _source("b"))
    fake.clear_requests()
    result = cli("pause", "a", "b", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.stdout == "✓ paused a\n✓ paused b\n"
    assert sorted(_writes(fake)) == [("PUT", "/connectors/a/pause"), ("PUT", "/connectors/b/pause")]
    assert fake.connector_state("a") == fake.connector_state("b") == "PAUSED"
    result = cli("resume", "a", "b", "--wait", "--timeout", "5", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "All 2 connector(s) RUNNING."
    assert fake.connector_state("a") == "RUNNING"


def test_pause_unknown_connector_still_pauses_the_others(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("a", _source("a"))
    result = cli("pause", "nope", "a", env=_env(fake))
    assert result.exit_code == 1
    assert result.stdout == "✗ nope: connector nope not found\n✓ paused a\nPause: 1 ok, 1 failed.\n"
    assert fake.connector_state("a") == "PAUSED"


def test_stop_and_wait(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("a", _source("a"))
    result = cli("stop", "a", "--wait", "-o", "json", env=_env(fake))
    assert result.exit_code == 0, result.output
    data = result.json["data"]
    assert data["target_state"] == "STOPPED"
    assert data["wait"]["reached"] == ["a"]
    assert fake.connector_state("a") == "STOPPED"


def test_stop_of_several_says_stopped(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("a", _source("a"))
    fake.add_connector("b", _source("b"))
    result = cli("stop", "a", "b", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.stdout == "✓ stopped a\n✓ stopped b\n"
    assert "stopd" not in result.output


def test_stop_on_a_worker_without_kip875(cli: CliRunner) -> None:
    with FakeConnect(version="3.4.0") as old:
        old.add_connector("a", _source("a"))
        result = cli("stop", "a", env={"KCONNECT_URL": old.url})
    assert result.exit_code == 1
    assert "does not support stopping connectors" in result.stderr
    assert "KIP-875 needs Kafka Connect 3.5 or newer" in result.stderr
    assert "Traceback" not in result.output


def test_resume_wait_times_out_on_a_failed_connector(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("a", _source("a"), state="PAUSED")
    fake.fail_connector("a")
    result = cli("resume", "a", "--wait", "--timeout", "0", env=_env(fake))
    assert result.exit_code == 3, result.output
    assert "✗ a is FAILED, not RUNNING" in result.stdout


# -- offsets --------------------------------------------------------------------------------------

SOURCE_OFFSETS = [{"partition": {"filename": "/tmp/src.txt"}, "offset": {"position": 42}}]


def test_offsets_get_text_and_json(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("src", _source())
    fake.set_offsets("src", SOURCE_OFFSETS)
    result = cli("offsets", "get", "src", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "src (source, RUNNING)",
        "PARTITION".ljust(len('{"filename": "/tmp/src.txt"}')) + "  OFFSET",
        '{"filename": "/tmp/src.txt"}  {"position": 42}',
    ]
    doc = cli("offsets", "get", "src", "-o", "json", env=_env(fake)).json
    assert doc["command"] == "offsets get"
    assert doc["data"]["offsets"] == SOURCE_OFFSETS
    assert fake.writes() == []


def test_offsets_get_unknown_connector(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("offsets", "get", "nope", env=_env(fake))
    assert result.exit_code == 1
    assert result.stderr == "error: GET /connectors/nope: HTTP 404: Connector nope not found\n"


@pytest.mark.parametrize(
    ("state", "restore"),
    [("RUNNING", ("PUT", "/connectors/src/resume")), ("PAUSED", ("PUT", "/connectors/src/pause"))],
)
def test_offsets_reset_stops_resets_and_restores(
    cli: CliRunner, fake: FakeConnect, state: str, restore: tuple[str, str]
) -> None:
    fake.add_connector("src", _source(), state=state)
    fake.set_offsets("src", SOURCE_OFFSETS)
    fake.clear_requests()
    result = cli("offsets", "reset", "src", "--yes", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert _writes(fake) == [
        ("PUT", "/connectors/src/stop"),
        ("DELETE", "/connectors/src/offsets"),
        restore,
    ]
    # The state is read after the stop, before the offsets are touched.
    paths = [(r.method, r.path) for r in fake.requests]
    stop_at = paths.index(("PUT", "/connectors/src/stop"))
    assert ("GET", "/connectors/src/status") in paths[stop_at:]
    assert fake.connector_state("src") == state
    lines = result.stdout.splitlines()
    assert lines[0] == "✓ stopped src"
    assert lines[1] == (
        "✓ reset its offsets: The offsets for this connector have been reset successfully"
    )
    verb = "resumed" if state == "RUNNING" else "paused"
    assert lines[2] == f"✓ {verb} src ({state} as before)"
    assert cli("offsets", "get", "src", "-o", "json", env=_env(fake)).json["data"]["offsets"] == []


def test_offsets_reset_of_a_stopped_connector_leaves_it_stopped(
    cli: CliRunner, fake: FakeConnect
) -> None:
    fake.add_connector("src", _source(), state="STOPPED")
    fake.clear_requests()
    result = cli("offsets", "reset", "src", "--yes", "-o", "json", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert _writes(fake) == [("DELETE", "/connectors/src/offsets")]
    assert result.json["data"]["state_before"] == result.json["data"]["state_after"] == "STOPPED"


def test_offsets_reset_needs_yes_when_not_interactive(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("src", _source())
    fake.clear_requests()
    result = cli("offsets", "reset", "src", env=_env(fake), stdin="")
    assert result.exit_code == 1
    assert "needs confirmation: re-run with --yes" in result.stderr
    assert fake.writes() == []


def test_offsets_set_source(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    fake.add_connector("src", _source())
    path = tmp_path / "offsets.json"
    path.write_text(json.dumps({"offsets": SOURCE_OFFSETS}))
    fake.clear_requests()
    result = cli("offsets", "set", "src", "--file", str(path), "--yes", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert _writes(fake) == [
        ("PUT", "/connectors/src/stop"),
        ("PATCH", "/connectors/src/offsets"),
        ("PUT", "/connectors/src/resume"),
    ]
    assert fake.writes()[1].body == {"offsets": SOURCE_OFFSETS}
    assert "✓ set offsets for 1 partition(s): The offsets for this connector" in result.stdout
    assert fake.connector_state("src") == "RUNNING"


def test_offsets_set_accepts_the_get_json_envelope(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("src", _source(), state="STOPPED")
    fake.set_offsets("src", SOURCE_OFFSETS)
    path = tmp_path / "o.json"
    path.write_text(cli("offsets", "get", "src", "-o", "json", env=_env(fake)).stdout)
    fake.set_offsets("src", [])
    result = cli("offsets", "set", "src", "-f", str(path), "--yes", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert cli("offsets", "get", "src", "-o", "json", env=_env(fake)).json["data"]["offsets"] == (
        SOURCE_OFFSETS
    )


def test_offsets_set_sink(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    fake.add_connector("snk", {"connector.class": SINK, "topics": "t", "file": "/tmp/o"})
    offsets = [
        {"partition": {"kafka_topic": "t", "kafka_partition": 0}, "offset": {"kafka_offset": 5}},
        {"partition": {"kafka_topic": "t", "kafka_partition": 1}, "offset": None},
    ]
    path = tmp_path / "sink.json"
    path.write_text(json.dumps(offsets))
    result = cli("offsets", "set", "snk", "--file", str(path), "--yes", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert "2 partition(s)" in result.stdout
    doc = cli("offsets", "get", "snk", "-o", "json", env=_env(fake)).json
    assert doc["data"]["offsets"] == offsets[:1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "o.json:1: invalid JSON: Expecting property name enclosed in double quotes"),
        ("[]", "o.json: the file lists no offsets (use `offsets reset` to clear them)"),
        ('{"nope": []}', 'o.json: expected {"offsets": [...]} or a list of offsets'),
        ('[{"partition": {"kafka_topic": "t"}, "offset": null}]', "o.json: offsets[0].partition:"),
        (
            '[{"partition": {"kafka_topic": "t", "kafka_partition": 0}, "offset": {"pos": 1}}]',
            """o.json: offsets[0].offset: a sink connector's offset is {"kafka_offset": <int>}""",
        ),
        (
            '[{"partition": {"kafka_topic": "t", "kafka_partition": 0}}]',
            "o.json: offsets[0] needs both 'partition' and 'offset' (null to reset)",
        ),
        (
            '[{"partition": {"kafka_topic": "t", "kafka_partition": [0]}, "offset": null}]',
            "o.json: offsets[0].partition.kafka_partition: values must be strings, numbers",
        ),
    ],
)
def test_offsets_set_rejects_bad_files_before_any_write(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, content: str, message: str
) -> None:
    fake.add_connector("snk", {"connector.class": SINK, "topics": "t", "file": "/tmp/o"})
    path = tmp_path / "o.json"
    path.write_text(content)
    fake.clear_requests()
    result = cli("offsets", "set", "snk", "--file", str(path), "--yes", env=_env(fake))
    assert result.exit_code == 1, result.output
    assert f"error: {tmp_path}/{message}" in result.stderr
    assert fake.writes() == []


def test_offsets_set_missing_file(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    result = cli("offsets", "set", "x", "--file", str(tmp_path / "none.json"), env=_env(fake))
    assert result.exit_code == 1
    assert "none.json: cannot read the offsets file: No such file or directory" in result.stderr
    assert fake.requests == []


def test_offsets_retries_while_the_leader_catches_up(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("src", _source())
    fake.inject(
        method="DELETE",
        path="/connectors/src/offsets",
        status=400,
        message=STOPPED_REQUIRED.format(name="src"),
    )
    result = cli("offsets", "reset", "src", "--yes", env=_env(fake))
    assert result.exit_code == 0, result.output
    deletes = [r for r in fake.requests if r.method == "DELETE"]
    assert len(deletes) == 2
    assert fake.connector_state("src") == "RUNNING"


def test_offsets_failure_still_restores_the_state(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector("src", _source())
    fake.inject(method="DELETE", path="/connectors/src/offsets", status=400, message="nope")
    result = cli("offsets", "reset", "src", "--yes", env=_env(fake))
    assert result.exit_code == 1
    assert result.stderr == "error: DELETE /connectors/src/offsets: HTTP 400: nope\n"
    assert _writes(fake)[-1] == ("PUT", "/connectors/src/resume")
    assert fake.connector_state("src") == "RUNNING"


def test_offsets_on_a_worker_without_kip875(cli: CliRunner) -> None:
    with FakeConnect(version="3.4.0") as old:
        old.add_connector("src", _source())
        result = cli("offsets", "reset", "src", "--yes", env={"KCONNECT_URL": old.url})
        assert old.connector_state("src") == "RUNNING"
    assert result.exit_code == 1
    assert "KIP-875 needs Kafka Connect 3.5 or newer" in result.stderr


# -- plugins --------------------------------------------------------------------------------------


def test_plugins_lists_connectors(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("plugins", env=_env(fake))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["TYPE", "CLASS", "VERSION"]
    assert any(line.split() == ["source", SOURCE, "4.3.0"] for line in lines)
    assert not any(line.startswith("transformation") for line in lines)
    [request] = fake.requests
    assert request.query == {}


def test_plugins_all_json(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("plugins", "--all", "-o", "json", env=_env(fake))
    assert result.exit_code == 0
    assert fake.requests[0].query == {"connectorsOnly": ["false"]}
    types = {p["type"] for p in result.json["data"]["plugins"]}
    assert {"source", "sink", "transformation", "predicate", "converter"} <= types


def test_plugins_describe(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("plugins", "describe", "MySqlConnector", env=_env(fake))
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["NAME", "TYPE", "DEFAULT", "IMPORTANCE", "REQUIRED"]
    assert ["database.password", "PASSWORD", "-", "HIGH", "no"] in rows
    assert ["database.port", "INT", "3306", "HIGH", "no"] in rows
    assert ["name", "STRING", "-", "HIGH", "yes"] in rows
    assert ["transforms", "LIST", '""', "LOW", "no"] in rows
    doc = cli("plugins", "describe", "FileStreamSource", "-o", "json", env=_env(fake)).json
    [topic] = [c for c in doc["data"]["configs"] if c["name"] == "topic"]
    assert topic["required"] is True
    assert topic["documentation"] == "The topic to publish data to"


def test_plugins_describe_unknown(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("plugins", "describe", "Nope", env=_env(fake))
    assert result.exit_code == 1
    assert (
        result.stderr
        == "error: GET /connector-plugins/Nope/config: HTTP 404: Unknown plugin Nope.\n"
    )


# -- export ---------------------------------------------------------------------------------------

TRICKY = {
    "x.octal": "0755",
    "x.bool": "on",
    "x.null": "null",
    "x.tilde": "~",
    "x.empty": "",
    "x.space": " lead and trail ",
    "x.colon": "a: b",
    "x.hash": "#not a comment",
    "x.dash": "- item",
    "x.quotes": "'single' \"double\"",
    "x.newline": "line1\nline2",
    "x.tab": "a\tb",
    "x.unicode": "é😀",
    "x.control": "a\x7fb\x85c\u2028d",
    "x.float": "1.50",
    "x.exp": "1e3",
    "x.flow": "[a, {b}]",
    "x.anchor": "&a *b !tag %x @y `z",
    "x.block": "|",
    "x.dollar": "${NOT_OURS} $${also} $$ $",
    "x.provider": "${file:/etc/secrets.properties:user}",
    "x.long": "word " * 40,
}


def test_export_writes_manifests_with_placeholders(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector(
        "mydb-connector",
        {
            **MYSQL_LIVE_WITH_CANARY,
            "database.ssl.truststore.password": "${file:/secrets/db.properties:truststore}",
        },
    )
    fake.add_connector("src", _source(), state="PAUSED")
    out = tmp_path / "out"
    result = cli("export", "--dir", str(out), env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"✓ mydb-connector → {out}/mydb-connector.yaml",
        f"✓ src (paused) → {out}/src.yaml",
        "Set these variables before `kconnect plan`/`apply` (values not shown):",
        "  MYDB_CONNECTOR_DATABASE_PASSWORD",
    ]
    text = (out / "mydb-connector.yaml").read_text()
    assert "database.password: ${MYDB_CONNECTOR_DATABASE_PASSWORD}\n" in text
    assert "database.ssl.truststore.password: ${file:/secrets/db.properties:truststore}\n" in text
    assert "canary" not in text
    assert "\nname: mydb-connector\nconfig:\n" in text
    assert "state: paused\n" in (out / "src.yaml").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["mydb-connector.yaml", "src.yaml"]

    # Round trip: with the variable set, plan sees nothing to change.
    env = _env(fake, MYDB_CONNECTOR_DATABASE_PASSWORD="canary-S3cr3t-value")
    plan = cli("plan", str(out), "--detailed-exitcode", env=env)
    assert plan.exit_code == 0, plan.output
    assert "No changes." in plan.stdout


def test_export_round_trips_values_yaml_would_reinterpret(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("tricky", _source("tricky", **TRICKY), state="STOPPED")
    result = cli("export", "tricky", "--dir", str(tmp_path), "-o", "json", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.json["data"]["connectors"] == [
        {
            "name": "tricky",
            "file": str(tmp_path / "tricky.yaml"),
            "state": "stopped",
            "variables": [],
        }
    ]
    plan = cli("plan", str(tmp_path), "--detailed-exitcode", env=_env(fake))
    assert plan.exit_code == 0, plan.output

    from kconnect.manifests.loader import load_manifests

    [manifest] = load_manifests([str(tmp_path / "tricky.yaml")], {"NOT_OURS": "expanded!"})
    assert dict(manifest.config) == {
        k: v for k, v in fake.connector_config("tricky").items() if k != "name"
    }
    assert manifest.state.value == "stopped"


def test_export_refuses_to_overwrite_without_force(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("src", _source())
    (tmp_path / "src.yaml").write_text("hand-written\n")
    result = cli("export", "--dir", str(tmp_path), env=_env(fake))
    assert result.exit_code == 1
    assert (
        result.stderr == f"error: {tmp_path}: src.yaml already exist(s); use --force to overwrite\n"
    )
    assert (tmp_path / "src.yaml").read_text() == "hand-written\n"
    assert cli("export", "--dir", str(tmp_path), "--force", env=_env(fake)).exit_code == 0
    assert (tmp_path / "src.yaml").read_text().startswith("# Exported by `kconnect export`.")


def test_export_to_dash_writes_one_yaml_stream_on_stdout(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_connector("a", _source("a", **{"db.password": "canary-Dash-77"}))
    fake.add_connector("b", _source("b"), state="PAUSED")
    monkeypatch.chdir(tmp_path)
    result = cli("export", "--dir", "-", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert list(tmp_path.iterdir()) == []  # no folder named "-"
    import yaml

    documents = list(yaml.safe_load_all(result.stdout))
    assert [d["name"] for d in documents] == ["a", "b"]
    assert documents[0]["config"]["db.password"] == "${A_DB_PASSWORD}"
    assert documents[1]["state"] == "paused"
    assert "canary" not in result.output
    assert result.stderr.splitlines() == [
        "✓ a → stdout",
        "✓ b (paused) → stdout",
        "Set these variables before `kconnect plan`/`apply` (values not shown):",
        "  A_DB_PASSWORD",
    ]
    stream = tmp_path / "all.yaml"
    stream.write_text(result.stdout)
    plan = cli(
        "plan", str(stream), "--detailed-exitcode", env=_env(fake, A_DB_PASSWORD="canary-Dash-77")
    )
    assert plan.exit_code == 0, plan.output
    both = cli("export", "--dir", "-", "-o", "json", env=_env(fake))
    assert both.exit_code == 64


def test_export_unknown_connector(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    result = cli("export", "nope", "--dir", str(tmp_path / "x"), env=_env(fake))
    assert result.exit_code == 1
    assert "Connector nope not found" in result.stderr
    assert not (tmp_path / "x").exists()


def test_export_safe_and_unique_filenames(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    for name in ("a b", "a_b", "../evil", "A_B"):
        fake.add_connector(name, _source("x"))
    result = cli("export", "--dir", str(tmp_path), "-o", "json", env=_env(fake))
    assert result.exit_code == 0, result.output
    files = {c["name"]: Path(c["file"]).name for c in result.json["data"]["connectors"]}
    assert files == {
        "../evil": "evil.yaml",
        "A_B": "A_B.yaml",
        "a b": "a_b-2.yaml",
        "a_b": "a_b-3.yaml",
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files.values())


def test_export_variable_names_are_unique() -> None:
    used: set[str] = set()
    _, first = render_manifest("a", {"x.password": "p1", "x-password": "p2"}, None, (), used)
    assert first == ("A_X_PASSWORD", "A_X_PASSWORD_2")
    assert env_variable_name("9lives", "db.password") == "_9LIVES_DB_PASSWORD"
    assert env_variable_name("mydb-connector", "database.password") == (
        "MYDB_CONNECTOR_DATABASE_PASSWORD"
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("plain", "plain"),
        ("${X}", "$${X}"),
        ("$${X}", "$$${X}"),
        ("${env:HOME}", "${env:HOME}"),
        ("${file:/a/b:c}", "${file:/a/b:c}"),
        ("${X:-d} ${env:Y}", "$${X:-d} $${env:Y}"),
    ],
)
def test_escape_value(value: str, written: str) -> None:
    from kconnect.manifests.interpolate import interpolate

    assert escape_value(value) == written
    assert interpolate(written, {"X": "no", "Y": "no"}).text == value


def test_safe_filename() -> None:
    assert safe_filename("mydb-connector") == "mydb-connector.yaml"
    assert safe_filename("..") == "connector.yaml"
    assert safe_filename("é/ü") == "connector.yaml"


# -- loggers --------------------------------------------------------------------------------------


def test_loggers_list_and_get(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("loggers", env=_env(fake))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["LOGGER", "LEVEL", "LAST", "MODIFIED"]
    assert ["root", "INFO", "-"] in [line.split() for line in lines]
    assert cli("loggers", "get", env=_env(fake)).stdout == result.stdout
    one = cli("loggers", "get", "org.reflections", "-o", "json", env=_env(fake))
    assert one.json["data"] == {
        "loggers": {"org.reflections": {"level": "ERROR", "last_modified": None}}
    }
    assert fake.requests[-1].path == "/admin/loggers/org.reflections"


def test_loggers_get_unknown(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("loggers", "get", "nope", env=_env(fake))
    assert result.exit_code == 1
    assert result.stderr == "error: GET /admin/loggers/nope: HTTP 404: Logger nope not found.\n"


def test_loggers_set_worker_scope(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("loggers", "set", "org.apache.kafka.connect.runtime", "debug", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "✓ org.apache.kafka.connect.runtime set to DEBUG; changed: "
        "org.apache.kafka.connect.runtime, org.apache.kafka.connect.runtime.distributed\n"
    )
    [request] = fake.writes()
    assert request.body == {"level": "DEBUG"}
    assert request.query == {}
    after = cli("loggers", "get", "org.apache.kafka.connect.runtime", env=_env(fake))
    assert "DEBUG" in after.stdout


def test_loggers_set_cluster_scope(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("loggers", "set", "root", "WARN", "--scope", "cluster", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.stdout == "✓ root set to WARN on every worker\n"
    assert fake.writes()[0].query == {"scope": ["cluster"]}


def test_loggers_cluster_scope_on_an_old_worker_warns(cli: CliRunner) -> None:
    with FakeConnect(version="3.6.0") as old:
        result = cli(
            "loggers", "set", "root", "WARN", "--scope", "cluster", env={"KCONNECT_URL": old.url}
        )
    assert result.exit_code == 0
    assert "older than Connect 3.7 (KIP-976) and ignored --scope cluster" in result.stdout


def test_loggers_set_invalid_level_is_an_input_error(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("loggers", "set", "root", "LOUD", env=_env(fake))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: invalid log level 'LOUD' (choose from OFF, FATAL, ERROR, WARN, INFO, DEBUG, "
        "TRACE, ALL)\n"
    )
    assert fake.requests == []


def test_loggers_set_invalid_scope(cli: CliRunner, fake: FakeConnect) -> None:
    result = cli("loggers", "set", "root", "INFO", "--scope", "everywhere", env=_env(fake))
    assert result.exit_code == 64


# -- info / version -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["info", "version"])
def test_info(cli: CliRunner, fake: FakeConnect, command: str) -> None:
    from kconnect import __version__

    result = cli(command, env=_env(fake))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"kconnect:         {__version__}",
        f"url:              {fake.url}",
        "worker version:   4.3.0",
        "worker commit:    a9ce3221537b8653",
        "kafka cluster id: fAkEcLuStEr-Id0000000A",
    ]
    doc = cli(command, "-o", "json", env=_env(fake)).json
    assert doc["data"]["worker"]["kafka_cluster_id"] == "fAkEcLuStEr-Id0000000A"


def test_info_unreachable(cli: CliRunner, fake: FakeConnect) -> None:
    fake.set_unreachable(True)
    result = cli("info", env=_env(fake, KCONNECT_RETRIES="1"))
    assert result.exit_code == 1
    assert result.stdout.startswith("kconnect:")
    assert "worker:           unreachable: cannot reach Kafka Connect at" in result.stdout


def test_info_hides_credentials_in_the_url(cli: CliRunner, fake: FakeConnect) -> None:
    url = fake.url.replace("http://", "http://admin:hunter2-url@")
    result = cli("info", env={"KCONNECT_URL": url})
    assert result.exit_code == 0, result.output
    assert "hunter2-url" not in result.output
    assert f"url:              {fake.url}" in result.stdout


def test_help_lists_the_new_commands(cli: CliRunner) -> None:
    result = cli("--help")
    for command in (
        "restart",
        "pause",
        "resume",
        "stop",
        "offsets",
        "plugins",
        "export",
        "loggers",
        "info",
        "version",
        "context",
    ):
        assert f" {command} " in result.output, command


# -- secret canary --------------------------------------------------------------------------------

CANARY_DB = "canary-S3cr3t-value"
CANARY_BASIC = "canary-Basic-P4ssw0rd"
CANARY_TOKEN = "canary-Bearer-T0ken"
CANARIES = (
    CANARY_DB,
    CANARY_BASIC,
    CANARY_TOKEN,
    base64.b64encode(f"admin:{CANARY_BASIC}".encode()).decode(),
)


def _assert_clean(text: str, where: str) -> None:
    for canary in CANARIES:
        assert canary not in text, f"{canary!r} leaked in {where}:\n{text}"


def _canary_cluster(fake: FakeConnect) -> None:
    fake.add_connector(
        "leaky",
        {
            "connector.class": MYSQL,
            "tasks.max": "1",
            "topic.prefix": "mingle",
            "database.hostname": "mysql",
            "database.user": "debezium",
            "database.password": CANARY_DB,
            "database.server.id": "1",
        },
    )
    fake.set_offsets("leaky", [{"partition": {"server": "mingle"}, "offset": {"pos": 4}}])
    fake.fail_task("leaky", 0, f"java.sql.SQLException: Access denied for password {CANARY_DB}")


def test_secret_canary(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    _canary_cluster(fake)
    config = tmp_path / "config.yaml"
    config.write_text(
        "current-context: basic\n"
        "contexts:\n"
        "  basic:\n"
        f"    url: {fake.url}\n"
        "    auth: basic\n"
        "    username: admin\n"
        "    password_env: CANARY_PASSWORD\n"
        "  bearer:\n"
        f"    url: {fake.url}\n"
        "    auth: bearer\n"
        f"    token_file: {tmp_path / 'token'}\n"
    )
    (tmp_path / "token").write_text(CANARY_TOKEN + "\n")
    env = {"KCONNECT_CONFIG": str(config), "CANARY_PASSWORD": CANARY_BASIC}
    runs: list[tuple[str, ...]] = []
    for context in ("basic", "bearer"):
        for output in ("text", "json"):
            runs += [
                ("export", "--dir", str(tmp_path / f"export-{context}-{output}"), "-o", output),
                ("describe", "leaky", "-o", output),
                ("status", "leaky", "-o", output),
                ("offsets", "get", "leaky", "-o", output),
                ("plugins", "describe", "MySqlConnector", "-o", output),
                ("context", "show", context, "-o", output),
                ("context", "list", "-o", output),
                ("info", "-o", output),
            ]
        runs += [
            ("describe", "leaky", "-vv"),
            ("export", "--dir", str(tmp_path / f"export-{context}-vv"), "-vv"),
            ("offsets", "reset", "leaky", "--yes", "-vv"),
            ("restart", "leaky", "--include-tasks", "-vv"),
        ]
        for args in runs:
            result = (
                cli(*args, "--context", context, env=env)
                if args[0] != "context"
                else cli(*args, env=env)
            )
            assert result.exit_code in (0, 3), (args, result.output)
            _assert_clean(result.output, " ".join(args))
            if "-vv" in args:
                assert re.search(r"^kconnect: (GET|POST|PUT|DELETE) /", result.stderr, re.M)
        runs.clear()
    seen = {r.headers.get("Authorization", "").split(" ")[0] for r in fake.requests}
    assert seen == {"Basic", "Bearer"}  # both credentials were really used
    for path in tmp_path.rglob("*.yaml"):
        if path.name != "config.yaml":
            _assert_clean(path.read_text(), str(path))


def test_secret_canary_env_credentials_in_debug_logs(cli: CliRunner, fake: FakeConnect) -> None:
    _canary_cluster(fake)
    for env in (
        {"KCONNECT_USERNAME": "admin", "KCONNECT_PASSWORD": CANARY_BASIC},
        {"KCONNECT_TOKEN": CANARY_TOKEN},
    ):
        for args in (("describe", "leaky", "-vv"), ("context", "show"), ("info", "-vv")):
            result = cli(*args, env=_env(fake, **env))
            assert result.exit_code == 0, result.output
            _assert_clean(result.output, " ".join(args))
