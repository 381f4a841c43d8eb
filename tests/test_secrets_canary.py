"""Secret canaries: known secret values go through every core command and output mode and
must never appear in anything kconnect prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CliRunner, write_manifest
from tests.fakeconnect import FakeConnect

CANARIES = ("canary-Db-Pa55word", "canary-jaas-Pa55", "canary-api-T0ken", "canary-es-Pa55")

MANIFEST = """\
name: leaky
config:
  connector.class: org.apache.kafka.connect.file.FileStreamSourceConnector
  tasks.max: 1
  topic: t
  file: /tmp/leaky.txt
  database.password: {db}
  producer.override.sasl.jaas.config: org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="{jaas}";
  my.service.api.token: {token}
  connection.password: {es}
"""


def _manifest(db: str = CANARIES[0]) -> str:
    return MANIFEST.format(db=db, jaas=CANARIES[1], token=CANARIES[2], es=CANARIES[3])


def _assert_clean(output: str) -> None:
    for canary in (*CANARIES, "canary-Db-Changed"):
        assert canary not in output


@pytest.mark.parametrize("output", ["text", "json"])
def test_no_command_prints_a_secret(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, output: str
) -> None:
    write_manifest(tmp_path, "leaky.yaml", _manifest())
    env = {"KCONNECT_URL": fake.url}
    runs = [
        cli("validate", str(tmp_path), "-o", output),
        cli("plan", str(tmp_path), "-o", output, "-vv", env=env),
        cli("plan", str(tmp_path), "-o", "markdown", env=env),
        cli("apply", str(tmp_path), "-o", output, "--wait", "--timeout", "10", "-vv", env=env),
        cli("status", "-o", output, env=env),
        cli("get", "-o", output, env=env),
        cli("describe", "leaky", "-o", output, env=env),
    ]
    # a changed secret shows as changed, never by value
    write_manifest(tmp_path, "leaky.yaml", _manifest(db="canary-Db-Changed"))
    changed = cli("plan", str(tmp_path), "-o", output, "--detailed-exitcode", env=env)
    assert changed.exit_code == 2
    assert "database.password" in changed.stdout
    runs.append(changed)
    runs.append(cli("apply", str(tmp_path), "-o", output, env=env))
    for result in runs:
        assert "Traceback" not in result.output
        _assert_clean(result.output)
    assert all(r.exit_code in (0, 2) for r in runs), [
        r.output for r in runs if r.exit_code not in (0, 2)
    ]


def test_worker_error_echoing_the_config_is_redacted(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    # Real workers echo whole configs, passwords included, in some 500 messages.
    write_manifest(tmp_path, "leaky.yaml", _manifest())
    fake.inject(
        method="PUT",
        path="/connectors/leaky/config",
        status=400,
        message=f"Connector config {{database.password={CANARIES[0]}, name=leaky}} contains no connector type",
    )
    for output in ("text", "json"):
        result = cli("apply", str(tmp_path), "-o", output, env={"KCONNECT_URL": fake.url})
        assert result.exit_code == 1
        assert "contains no connector type" in result.output
        _assert_clean(result.output)
        fake.inject(
            method="PUT",
            path="/connectors/leaky/config",
            status=400,
            message=f"Connector config {{database.password={CANARIES[0]}}} contains no connector type",
        )


def test_failed_task_trace_is_redacted(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    write_manifest(tmp_path, "leaky.yaml", _manifest())
    assert cli("apply", str(tmp_path), env={"KCONNECT_URL": fake.url}).exit_code == 0
    fake.fail_task(
        "leaky",
        0,
        f"java.sql.SQLException: Access denied using password {CANARIES[0]}\n\tat x(X.java:1)",
    )
    for output in ("text", "json"):
        result = cli("status", "-o", output, env={"KCONNECT_URL": fake.url})
        assert result.exit_code == 3
        assert "Access denied" in result.output
        _assert_clean(result.output)


def test_credentials_never_printed(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    write_manifest(tmp_path, "a.yaml", _manifest())
    env = {
        "KCONNECT_URL": fake.url,
        "KCONNECT_USERNAME": "admin",
        "KCONNECT_PASSWORD": "canary-api-T0ken",
    }
    result = cli("plan", str(tmp_path), "-vv", env=env)
    assert result.exit_code == 0
    _assert_clean(result.output)
    assert any(r.headers.get("Authorization", "").startswith("Basic ") for r in fake.requests)
