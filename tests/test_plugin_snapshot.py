"""`kconnect plugins snapshot` writes the cluster's catalogs; `validate` then checks any class
they hold offline: found next to the manifests, or given with `--catalog`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kconnect.validate.snapshot import version_drift
from tests.conftest import CliRunner
from tests.fakeconnect import FakeConfigKey, FakeConnect, FakePlugin

JDBC = "io.confluent.connect.jdbc.JdbcSinkConnector"
JDBC_PLUGIN = FakePlugin(
    JDBC,
    "sink",
    version="10.7.4",
    configs=[
        FakeConfigKey("connection.url", required=True, group="Connection"),
        FakeConfigKey("connection.password", type="PASSWORD", group="Connection"),
        FakeConfigKey("insert.mode", default="insert", group="Writes"),
        FakeConfigKey("batch.size", type="INT", default="3000", group="Writes"),
    ],
)
MANIFEST = f"""name: jdbc-sink
config:
  connector.class: {JDBC}
  topics: orders
  connection.url: jdbc:postgresql://pg/shop
  insert.mod: upsert
  made.up: x
"""


@pytest.fixture
def jdbc_fake() -> Iterator[FakeConnect]:
    with FakeConnect(plugins=[JDBC_PLUGIN]) as server:
        yield server


def test_snapshot_then_validate_offline(
    cli: CliRunner, jdbc_fake: FakeConnect, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "repo"
    (project / "connectors.d").mkdir(parents=True)
    (project / "connectors.d" / "jdbc.yaml").write_text(MANIFEST, encoding="utf-8")
    # Without a catalog for the class, kconnect says nothing about its keys.
    before = cli("validate", str(project / "connectors.d"))
    assert before.exit_code == 0, before.output
    assert "0 error(s), 0 warning(s)" in before.stdout

    monkeypatch.chdir(project)
    done = cli("plugins", "snapshot", env={"KCONNECT_URL": jdbc_fake.url})
    assert done.exit_code == 0, done.output
    assert (
        done.stdout.startswith("wrote ") and "plugin catalog(s) to .kconnect/plugins" in done.stdout
    )
    catalog = json.loads((project / ".kconnect/plugins" / f"{JDBC}.json").read_text())
    assert catalog["version"] == "10.7.4"
    assert [k["name"] for k in catalog["keys"]] == [
        "connection.url",
        "connection.password",
        "insert.mode",
        "batch.size",
    ]
    assert (project / ".kconnect/plugins/framework-sink.json").is_file()

    # Offline now (the fake is no longer asked), found by walking up from the manifest.
    requests_before = len(jdbc_fake.requests)
    after = cli("validate", str(project / "connectors.d" / "jdbc.yaml"))
    assert len(jdbc_fake.requests) == requests_before
    assert after.exit_code == 1, after.output
    lines = after.stdout.splitlines()
    assert lines[0].endswith(
        "jdbc.yaml:6: error: insert.mod: unknown key; did you mean insert.mode? [key/typo]"
    )
    assert "jdbc.yaml:7: warning: made.up: unknown key; " in lines[1]
    assert "10.7.4 does not define it" in lines[1]

    # --catalog names the folder explicitly, from anywhere.
    monkeypatch.chdir(tmp_path)
    explicit = cli(
        "validate", "--catalog", str(project / ".kconnect/plugins"), str(project / "connectors.d")
    )
    assert explicit.exit_code == 1
    assert "did you mean insert.mode?" in explicit.stdout
    missing = cli("validate", "--catalog", str(tmp_path / "nope"), str(project / "connectors.d"))
    assert missing.exit_code == 1
    assert "--catalog" in missing.output and "no such directory" in missing.output


def test_version_drift(tmp_path: Path) -> None:
    (tmp_path / f"{JDBC}.json").write_text(
        json.dumps({"class": JDBC, "type": "sink", "version": "10.7.4", "keys": []})
    )
    assert version_drift(tmp_path, [{"class": JDBC, "version": "10.7.4"}]) == []
    assert version_drift(tmp_path, [{"class": JDBC, "version": "10.8.0"}]) == [
        f"plugin catalog {tmp_path / (JDBC + '.json')} is for {JDBC} 10.7.4, but the worker "
        "runs 10.8.0: refresh it with `kconnect plugins snapshot`"
    ]
    assert version_drift(tmp_path, [{"class": "other", "version": "1"}]) == []


def test_plan_online_warns_when_the_snapshot_is_for_other_versions(
    cli: CliRunner, jdbc_fake: FakeConnect, tmp_path: Path
) -> None:
    plugins = tmp_path / ".kconnect" / "plugins"
    plugins.mkdir(parents=True)
    (plugins / f"{JDBC}.json").write_text(
        json.dumps({"class": JDBC, "type": "sink", "version": "10.6.0", "keys": []})
    )
    (tmp_path / "jdbc.yaml").write_text(
        f"name: jdbc-sink\nconfig:\n  connector.class: {JDBC}\n  topics: orders\n"
        "  connection.url: jdbc:postgresql://pg/shop\n",
        encoding="utf-8",
    )
    done = cli("plan", "--online", str(tmp_path / "jdbc.yaml"), env={"KCONNECT_URL": jdbc_fake.url})
    assert done.exit_code == 0, done.output
    assert (
        f"is for {JDBC} 10.6.0, but the worker runs 10.7.4: refresh it with "
        "`kconnect plugins snapshot`"
    ) in done.output
    offline = cli("plan", str(tmp_path / "jdbc.yaml"), env={"KCONNECT_URL": jdbc_fake.url})
    assert "but the worker runs" not in offline.output


def test_a_snapshot_class_gets_type_and_required_checks(
    cli: CliRunner, jdbc_fake: FakeConnect, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "repo"
    (project / "connectors.d").mkdir(parents=True)
    manifest = (
        f"name: jdbc-sink\nconfig:\n  connector.class: {JDBC}\n  topics: orders\n"
        "  batch.size: lots\n  tasks.max: 0\n"
    )
    (project / "connectors.d" / "jdbc.yaml").write_text(manifest, encoding="utf-8")
    monkeypatch.chdir(project)
    assert cli("plugins", "snapshot", env={"KCONNECT_URL": jdbc_fake.url}).exit_code == 0
    done = cli("validate", str(project / "connectors.d"))
    assert done.exit_code == 1, done.output
    assert done.stdout.splitlines()[:2] == [
        f"{project / 'connectors.d' / 'jdbc.yaml'}:2: error: connection.url is required by "
        f"{JDBC} [schema/required]",
        f"{project / 'connectors.d' / 'jdbc.yaml'}:5: error: batch.size: must be an integer, "
        "got 'lots' [schema/type]",
    ]
    # The snapshot's framework keys (REST only) get the bundled framework's validators.
    assert "jdbc.yaml:6: error: tasks.max: 0 is out of range; allowed: 1.. [schema/range]" in (
        done.stdout
    )
