"""Selecting connectors by pattern (`--match GLOB`) for pause, resume, stop, restart, delete,
status and describe: resolved against the live cluster, limited by the ownership scope, listed
before anything is done, an empty match refused. And `describe NAME --tasks`: each task's
config, redacted like everything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MYSQL, CliRunner
from tests.fakeconnect import FakeConnect

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def _source(name: str) -> dict[str, str]:
    return {"connector.class": SOURCE, "tasks.max": "1", "topic": "t", "file": f"/tmp/{name}"}


@pytest.fixture
def cluster(fake: FakeConnect, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeConnect:
    """team-a-1, team-a-2, team-b-1 and legacy on the cluster; the working directory has no
    kconnect.yaml (no ownership scope) unless a test writes one."""
    for name in ("team-a-1", "team-a-2", "team-b-1", "legacy"):
        fake.add_connector(name, _source(name))
    fake.clear_requests()
    (tmp_path / ".git").mkdir()  # the repository root: kconnect.yaml is not looked up above
    monkeypatch.chdir(tmp_path)
    return fake


def _env(fake: FakeConnect) -> dict[str, str]:
    return {"KCONNECT_URL": fake.url}


def _written(fake: FakeConnect) -> list[tuple[str, str]]:
    return sorted((r.method, r.path) for r in fake.writes())


@pytest.mark.parametrize(
    ("command", "state", "path"),
    [("pause", "PAUSED", "pause"), ("stop", "STOPPED", "stop")],
)
def test_match_acts_on_every_matching_connector_and_lists_them_first(
    cli: CliRunner, cluster: FakeConnect, command: str, state: str, path: str
) -> None:
    result = cli(command, "--match", "team-a-*", env=_env(cluster))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        "--match team-a-* selects 2 connector(s): team-a-1, team-a-2"
    )
    assert _written(cluster) == [
        ("PUT", f"/connectors/team-a-1/{path}"),
        ("PUT", f"/connectors/team-a-2/{path}"),
    ]
    assert cluster.connector_state("team-a-1") == cluster.connector_state("team-a-2") == state
    assert cluster.connector_state("team-b-1") == "RUNNING"


def test_resume_with_several_patterns_and_names_acts_once_each(
    cli: CliRunner, cluster: FakeConnect
) -> None:
    for name in ("team-a-1", "team-b-1", "legacy"):
        cluster.add_connector(name, _source(name), state="PAUSED")
    cluster.clear_requests()
    result = cli(
        "resume", "legacy", "--match", "team-?-1", "--match", "team-a-*", env=_env(cluster)
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:2] == [
        "--match team-?-1 selects 2 connector(s): team-a-1, team-b-1",
        "--match team-a-* selects 2 connector(s): team-a-1, team-a-2",
    ]
    assert _written(cluster) == [
        ("PUT", "/connectors/legacy/resume"),
        ("PUT", "/connectors/team-a-1/resume"),
        ("PUT", "/connectors/team-a-2/resume"),
        ("PUT", "/connectors/team-b-1/resume"),
    ]


@pytest.mark.parametrize("command", ["pause", "resume", "stop", "restart", "delete", "status"])
def test_a_pattern_that_matches_nothing_is_refused_before_anything_is_done(
    cli: CliRunner, cluster: FakeConnect, command: str
) -> None:
    extra = ("--yes",) if command == "delete" else ()
    result = cli(command, "team-a-1", "--match", "team-c-*", *extra, env=_env(cluster))
    assert result.exit_code == 1, result.output
    assert "--match 'team-c-*' matches no connector on the cluster; nothing was done" in (
        result.stderr
    )
    assert cluster.writes() == []
    assert cluster.connector_state("team-a-1") == "RUNNING"


def test_the_ownership_scope_limits_what_a_pattern_selects(
    cli: CliRunner, cluster: FakeConnect, tmp_path: Path
) -> None:
    (tmp_path / "kconnect.yaml").write_text('owns: ["team-a-*"]\n')
    result = cli("pause", "--match", "team-*", env=_env(cluster))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:2] == [
        "--match team-* selects 2 connector(s): team-a-1, team-a-2",
        "left alone (outside the ownership scope): team-b-1",
    ]
    assert cluster.connector_state("team-b-1") == "RUNNING"
    assert cluster.connector_state("team-a-2") == "PAUSED"

    outside = cli("stop", "--match", "team-b-*", env=_env(cluster))
    assert outside.exit_code == 1
    assert (
        "--match 'team-b-*' matches only connectors outside the ownership scope (team-a-*): "
        "team-b-1; nothing was done"
    ) in outside.stderr
    assert cluster.connector_state("team-b-1") == "RUNNING"


def test_owns_flag_overrides_the_project_scope(cli: CliRunner, cluster: FakeConnect) -> None:
    result = cli(
        "restart", "--match", "*", "--owns", "team-b-*", "--owns", "legacy", env=_env(cluster)
    )
    assert result.exit_code == 0, result.output
    assert _written(cluster) == [
        ("POST", "/connectors/legacy/restart"),
        ("POST", "/connectors/team-b-1/restart"),
    ]
    assert "left alone (outside the ownership scope): team-a-1, team-a-2" in result.stderr


def test_delete_by_pattern_asks_with_the_matched_names(
    cli: CliRunner, cluster: FakeConnect
) -> None:
    refused = cli("delete", "--match", "team-a-*", env=_env(cluster), stdin="")
    assert refused.exit_code != 0
    assert "--match team-a-* selects 2 connector(s): team-a-1, team-a-2" in refused.stderr
    assert cluster.writes() == []
    result = cli("delete", "--match", "team-a-*", "--yes", env=_env(cluster))
    assert result.exit_code == 0, result.output
    assert _written(cluster) == [
        ("DELETE", "/connectors/team-a-1"),
        ("DELETE", "/connectors/team-a-2"),
    ]


def test_status_and_describe_by_pattern(cli: CliRunner, cluster: FakeConnect) -> None:
    status = cli("status", "--match", "team-a-*", "-o", "json", env=_env(cluster))
    assert status.exit_code == 0, status.output
    assert status.stderr == ""  # JSON output: the selection is the data, no chatter
    names = [c["name"] for c in status.json["data"]["connectors"]]
    assert names == ["team-a-1", "team-a-2"]

    described = cli("describe", "--match", "team-?-1", "-o", "json", env=_env(cluster))
    assert described.exit_code == 0, described.output
    assert [c["name"] for c in described.json["data"]["connectors"]] == ["team-a-1", "team-b-1"]
    text = cli("describe", "--match", "team-?-1", env=_env(cluster))
    assert text.stdout.count("Name:   ") == 2
    assert cluster.writes() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("pause",), "name the connectors, or select them with --match GLOB"),
        (("describe",), "name the connectors, or select them with --match GLOB"),
        (("pause", "a", "--owns", "team-*"), "--owns is for --match"),
        (("stop", "--match", ""), "--match must not be empty"),
        (("stop", "--match", "team-[a"), "unclosed '['"),
    ],
)
def test_selection_usage_errors(
    cli: CliRunner, cluster: FakeConnect, args: tuple[str, ...], message: str
) -> None:
    result = cli(*args, env=_env(cluster))
    assert result.exit_code == 64, result.output
    assert message in result.stderr
    assert cluster.writes() == []


# -- describe --tasks ------------------------------------------------------------------------------


def test_describe_tasks_shows_each_tasks_config_redacted(cli: CliRunner, fake: FakeConnect) -> None:
    fake.add_connector(
        "db",
        {
            "connector.class": MYSQL,
            "tasks.max": "1",
            "topic.prefix": "mingle",
            "database.hostname": "mysql",
            "database.user": "debezium",
            "database.password": "canary-S3cr3t-pw",
            "database.server.id": "184054",
            "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
            "schema.history.internal.kafka.topic": "schema-history.mingle",
            "x.url": "http://user:canary-url-pw@host:1/",
        },
    )
    env = {"KCONNECT_URL": fake.url}
    text = cli("describe", "db", "--tasks", env=env)
    assert text.exit_code == 0, text.output
    assert "canary" not in text.output
    lines = text.stdout.splitlines()
    task_line = next(i for i, line in enumerate(lines) if line.startswith("  0: RUNNING"))
    task_config = lines[task_line + 1 :]
    assert "    task.class = io.debezium.connector.mysql.MySqlConnectorTask" in task_config
    assert "    database.password = ********" in task_config
    assert "    database.user = debezium" in task_config

    data = cli("describe", "db", "--tasks", "-o", "json", env=env)
    assert "canary" not in data.output
    [task] = data.json["data"]["task_configs"]
    assert task["id"] == 0
    assert task["config"]["database.password"] == "********"
    assert "canary" not in task["config"]["x.url"]

    plain = cli("describe", "db", "-o", "json", env=env)
    assert "task_configs" not in plain.json["data"]
