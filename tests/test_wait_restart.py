"""`--wait` after a config update judges the new config, not the old instance.

A real worker restarts a connector some time after `PUT /connectors/{name}/config` (0.1-0.5 s on
4.3); until then its status is the old instance's. The fake models that (`restart_delay`), and a
FileStreamSink task whose file's folder does not exist FAILS at start, as on a real worker
(tests/contract, tests/integration/test_wait_restart_real.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kconnect.ops.wait import Evidence, Rewritten
from tests.conftest import CliRunner, write_manifest
from tests.fakeconnect import FakeConnect

SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"


def _sink_config(file: str) -> dict[str, str]:
    return {"connector.class": SINK, "tasks.max": "1", "topics": "t", "file": file}


def _sink_manifest(folder: Path, file: str) -> None:
    write_manifest(
        folder,
        "s.yaml",
        f"name: s\nconfig:\n  connector.class: {SINK}\n  tasks.max: 1\n  topics: t\n"
        f"  file: {file}\n",
    )


def _env(fake: FakeConnect) -> dict[str, str]:
    return {"KCONNECT_URL": fake.url}


def _after_write(fake: FakeConnect) -> list[tuple[str, str]]:
    """The requests from the config write on, without the plan's reads before it."""
    seen = [(r.method, r.path) for r in fake.requests]
    return seen[seen.index(("PUT", "/connectors/s/config")) :]


@pytest.fixture
def updated_sink(fake: FakeConnect, tmp_path: Path) -> Path:
    """A RUNNING sink writing to `tmp_path/out.txt`, restarted 0.5 s after an update."""
    fake.add_connector("s", _sink_config(str(tmp_path / "out.txt")))
    fake.restart_delay = 0.5
    return tmp_path / "manifests"


def test_update_whose_task_fails_at_start_is_a_failure_not_success(
    cli: CliRunner, fake: FakeConnect, updated_sink: Path
) -> None:
    bad = "/nonexistent-kconnect-dir/out.txt"
    _sink_manifest(updated_sink, bad)
    result = cli("apply", str(updated_sink), "--yes", "--wait", "--timeout", "20", env=_env(fake))
    assert result.exit_code == 3, result.output
    assert "All 1 connector(s) reached their state" not in result.stdout
    assert "✗ s failed:" in result.stdout
    assert f"Couldn't find or create file '{bad}' for FileStreamSinkTask" in result.stdout
    assert result.stdout.splitlines()[-1] == (
        "Apply: 0 created, 0 updated, 0 deleted, 0 unchanged, 1 failed (1 did not reach its state)."
    )
    # The task configs were read until they showed the new config.
    assert ("GET", "/connectors/s/tasks") in _after_write(fake)


def test_update_reached_only_after_the_worker_shows_the_new_config(
    cli: CliRunner, fake: FakeConnect, updated_sink: Path
) -> None:
    _sink_manifest(updated_sink, str(updated_sink.parent / "new.txt"))
    result = cli("apply", str(updated_sink), "--yes", "--wait", "--timeout", "20", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert "All 1 connector(s) reached their state" in result.stdout
    seen = _after_write(fake)
    # Status, then task configs, round after round; once they show the new file no more task
    # config reads, and one status read after the settle time gives the verdict.
    tasks_reads = [i for i, r in enumerate(seen) if r == ("GET", "/connectors/s/tasks")]
    assert len(tasks_reads) >= 2  # the first ones (within 0.5 s) still show the old file
    assert seen[tasks_reads[-1] + 1 :] == [("GET", "/connectors")]


def test_not_restarted_in_time_is_not_reached_and_names_the_keys(
    cli: CliRunner, fake: FakeConnect, updated_sink: Path
) -> None:
    fake.restart_delay = 60.0
    _sink_manifest(updated_sink, str(updated_sink.parent / "new.txt"))
    result = cli("apply", str(updated_sink), "--yes", "--wait", "--timeout", "2", env=_env(fake))
    assert result.exit_code == 3, result.output
    assert (
        "✗ s did not reach its state in time: connector RUNNING, tasks 0:RUNNING; not restarted "
        "with the new config yet (its task configs still held the old file)"
    ) in result.stdout
    assert result.stdout.splitlines()[-1] == (
        "Apply: 0 created, 0 updated, 0 deleted, 0 unchanged, 1 failed (1 did not reach its state)."
    )


def test_not_restarted_in_json(cli: CliRunner, fake: FakeConnect, updated_sink: Path) -> None:
    fake.restart_delay = 60.0
    _sink_manifest(updated_sink, str(updated_sink.parent / "new.txt"))
    result = cli(
        "apply", str(updated_sink), "--yes", "--wait", "--timeout", "1", "-o", "json",
        env=_env(fake),
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    wait = result.json["data"]["wait"]
    assert wait["not_restarted"] == {"s": ["file"]}
    assert [h["name"] for h in wait["timed_out"]] == ["s"]


def test_reconcile_once_settles_on_the_new_config(
    cli: CliRunner, fake: FakeConnect, updated_sink: Path
) -> None:
    _sink_manifest(updated_sink, "/nonexistent-kconnect-dir/out.txt")
    result = cli("reconcile", str(updated_sink), "--once", env=_env(fake))
    assert result.exit_code == 3, result.output
    assert "Couldn't find or create file" in result.stdout


def test_saved_plan_waits_the_same_way(
    cli: CliRunner, fake: FakeConnect, updated_sink: Path, tmp_path: Path
) -> None:
    bad = "/nonexistent-kconnect-dir/out.txt"
    _sink_manifest(updated_sink, bad)
    saved = tmp_path / "plan.json"
    assert cli("plan", str(updated_sink), "--out", str(saved), env=_env(fake)).exit_code == 0
    result = cli(
        "apply", "--plan", str(saved), "--yes", "--wait", "--timeout", "20", env=_env(fake)
    )
    assert result.exit_code == 3, result.output
    assert f"Couldn't find or create file '{bad}' for FileStreamSinkTask" in result.stdout
    assert ("GET", "/connectors/s/tasks") in _after_write(fake)


def test_state_only_changes_read_no_task_configs(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("s", _sink_config(str(tmp_path / "out.txt")), state="PAUSED")
    _sink_manifest(tmp_path / "m", str(tmp_path / "out.txt"))
    result = cli("apply", str(tmp_path / "m"), "--yes", "--wait", "--timeout", "20", env=_env(fake))
    assert result.exit_code == 0, result.output
    assert not [r for r in fake.requests if r.path.endswith("/tasks")]


# -- what task configs say --------------------------------------------------------------------


def _tasks(*configs: dict[str, str]) -> list[dict[str, object]]:
    return [{"id": {"connector": "s", "task": i}, "config": c} for i, c in enumerate(configs)]


@pytest.mark.parametrize(
    ("before", "after", "task_config", "expected"),
    [
        ({"file": "/a"}, {"file": "/b"}, {"file": "/b"}, (Evidence.NEW, ("file",))),
        ({"file": "/a"}, {"file": "/b"}, {"file": "/a"}, (Evidence.OLD, ("file",))),
        # A connector that derives its task configs: nothing to tell old from new.
        ({"file": "/a"}, {"file": "/b"}, {"task.class": "T"}, (Evidence.NONE, ())),
        ({"file": "/a"}, {"file": "/b"}, {"file": "/derived"}, (Evidence.NONE, ())),
        # A removed key still carried with its old value: the old tasks.
        (
            {"x": "1", "file": "/a"},
            {"file": "/a"},
            {"x": "1", "file": "/a"},
            (Evidence.OLD, ("x",)),
        ),
        # `${provider:...}` stays unresolved in task configs only sometimes: no evidence.
        ({"p": "${file:/s:p}"}, {"p": "x"}, {"p": "${file:/s:p}"}, (Evidence.NONE, ())),
    ],
)
def test_task_config_evidence(
    before: dict[str, str],
    after: dict[str, str],
    task_config: dict[str, str],
    expected: tuple[Evidence, tuple[str, ...]],
) -> None:
    assert Rewritten.between(before, after).evidence(_tasks(task_config)) == expected


def test_no_tasks_is_no_evidence_and_one_old_task_is_old() -> None:
    rewritten = Rewritten.between({"file": "/a"}, {"file": "/b"})
    assert rewritten.evidence([]) == (Evidence.NONE, ())
    assert rewritten.evidence(_tasks({"file": "/b"}, {"file": "/a"}))[0] is Evidence.OLD
