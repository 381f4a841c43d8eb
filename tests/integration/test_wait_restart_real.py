"""`apply --wait` after a config update, on a real worker: the worker restarts the connector
some time after the write, and until then the status is the old instance's. An update whose
task FAILS at start with the new config must end in exit 3, not "reached" (it did: the old
task's RUNNING was read before the restart). `status` then shows the trace's root cause."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.conftest import CliRunner, write_manifest
from tests.stack.stack import Stack

pytestmark = pytest.mark.integration

SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"


def _sink(folder: Path, name: str, topic: str, file: str) -> None:
    write_manifest(
        folder,
        "sink.yaml",
        f"name: {name}\nconfig:\n  connector.class: {SINK}\n  tasks.max: 1\n"
        f"  topics: {topic}\n  file: {file}\n",
    )


def test_update_whose_task_fails_at_start_exits_3(
    cli: CliRunner, real_stack: Stack, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    name, topic = f"restart-{tag}", f"restart-{tag}"
    env = {"KCONNECT_URL": real_stack.url}
    folder = tmp_path / "m"
    try:
        _sink(folder, name, topic, str(real_stack.sink_file(f"{name}.out")))
        created = cli("apply", str(folder), "--yes", "--wait", "--timeout", "60", env=env)
        assert created.exit_code == 0, created.output
        bad = f"/nonexistent-kconnect-{tag}/out.txt"
        _sink(folder, name, topic, bad)
        updated = cli("apply", str(folder), "--yes", "--wait", "--timeout", "60", env=env)
        assert updated.exit_code == 3, updated.output
        assert f"✗ {name} failed:" in updated.stdout
        assert f"Couldn't find or create file '{bad}' for FileStreamSinkTask" in updated.stdout
        assert updated.stdout.splitlines()[-1] == (
            "Apply: 0 created, 0 updated, 0 deleted, 0 unchanged, 1 failed "
            "(1 did not reach its state)."
        )
        # status shows the root cause, far down the real trace; JSON the whole trace.
        status = cli("status", name, env=env)
        assert status.exit_code == 3, status.output
        assert f"      Caused by: java.nio.file.NoSuchFileException: {bad}" in (
            status.stdout.splitlines()
        )
        full = cli("status", name, "-o", "json", env=env).json["data"]["connectors"][0]
        assert "\tat java.base/java.nio.file.Files.newOutputStream(" in full["tasks"][0]["trace"]
        # And back to a good file: reached, once the worker runs the new config.
        _sink(folder, name, topic, str(real_stack.sink_file(f"{name}.2.out")))
        fixed = cli("apply", str(folder), "--yes", "--wait", "--timeout", "60", env=env)
        assert fixed.exit_code == 0, fixed.output
        assert "All 1 connector(s) reached their state" in fixed.stdout
    finally:
        cli("delete", name, "--yes", env=env)
