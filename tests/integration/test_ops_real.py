"""Day-two operations against real distributed Connect 4.x workers (tests/stack).

The CLI runs in-process (`cli` fixture); the worker is asynchronous, so every state is polled
with a deadline. Connector names are unique and every connector is deleted at the end."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CliRunner
from tests.stack.stack import Stack

pytestmark = pytest.mark.integration

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
DEADLINE = 90.0


def _env(stack: Stack, **extra: str) -> dict[str, str]:
    return {"KCONNECT_URL": stack.url, **extra}


def _status(stack: Stack, name: str) -> dict[str, Any] | None:
    r = httpx.get(f"{stack.url}/connectors/{name}/status", timeout=30)
    return r.json() if r.status_code == 200 else None


def _wait_until(what: str, check: Callable[[], Any], timeout: float = DEADLINE) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r}")


def _state_is(stack: Stack, name: str, state: str, tasks: int | None = 1) -> Callable[[], Any]:
    """The connector is in `state` with `tasks` tasks all in that state (None: any number;
    a connector created PAUSED has none until it first runs)."""

    def check() -> Any:
        status = _status(stack, name)
        if not status or status["connector"]["state"] != state:
            return None
        task_states = [t["state"] for t in status["tasks"]]
        if state == "STOPPED":
            return status if task_states == [] else None
        if tasks is None:
            return status if all(t == state for t in task_states) else None
        return status if task_states == [state] * tasks else None

    return check


@pytest.fixture
def cleanup(real_stack: Stack) -> Iterator[list[str]]:
    """Names of connectors a test creates; deleted at the end whatever happened."""
    names: list[str] = []
    yield names
    with httpx.Client(timeout=120) as client:
        for name in names:
            client.delete(f"{real_stack.url}/connectors/{name}")


def _file_source(stack: Stack, name: str, lines: list[str], **extra: str) -> dict[str, str]:
    source = stack.sink_file(f"{name}.in")
    source.write_text("".join(f"{line}\n" for line in lines))
    return {
        "connector.class": SOURCE,
        "tasks.max": "1",
        "topic": f"{name}-topic",
        "file": str(source),
        **extra,
    }


def _create(stack: Stack, name: str, config: dict[str, str], state: str = "RUNNING") -> None:
    r = httpx.post(
        f"{stack.url}/connectors",
        json={"name": name, "config": config, "initial_state": state},
        timeout=120,
    )
    assert r.status_code == 201, r.text
    _wait_until(f"{name} {state}", _state_is(stack, name, state, 1 if state == "RUNNING" else None))


def _offsets(cli: CliRunner, stack: Stack, name: str) -> list[dict[str, Any]]:
    result = cli("offsets", "get", name, "-o", "json", env=_env(stack))
    assert result.exit_code == 0, result.output
    offsets: list[dict[str, Any]] = result.json["data"]["offsets"]
    return offsets


def test_restart_pause_resume_stop(cli: CliRunner, real_stack: Stack, cleanup: list[str]) -> None:
    name = f"ops-state-{uuid.uuid4().hex[:8]}"
    cleanup.append(name)
    _create(real_stack, name, _file_source(real_stack, name, ["a"]))
    env = _env(real_stack)

    result = cli("restart", name, env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"✓ restarting {name}: connector\n"
    _wait_until("RUNNING after restart", _state_is(real_stack, name, "RUNNING"))

    result = cli("restart", name, "--include-tasks", "-o", "json", env=env)
    assert result.exit_code == 0, result.output
    assert result.json["data"]["results"][0]["restarting"] == ["connector", "task 0"]
    _wait_until("RUNNING after restart", _state_is(real_stack, name, "RUNNING"))

    result = cli("restart", name, "--include-tasks", "--failed-only", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{name}: nothing to restart (no FAILED connector or task)\n"

    assert cli("restart", name, "--task", "0", env=env).exit_code == 0
    _wait_until("RUNNING after task restart", _state_is(real_stack, name, "RUNNING"))

    for command, state in (
        ("pause", "PAUSED"),
        ("resume", "RUNNING"),
        ("stop", "STOPPED"),
        ("resume", "RUNNING"),
    ):
        result = cli(command, name, "--wait", "--timeout", str(DEADLINE), env=env)
        assert result.exit_code == 0, (command, result.output)
        assert f"All 1 connector(s) {state}." in result.stdout
        _wait_until(state, _state_is(real_stack, name, state))

    missing = cli("pause", f"{name}-missing", env=env)
    assert missing.exit_code == 1
    assert f"✗ {name}-missing: connector {name}-missing not found" in missing.stdout


def test_offsets_reset_and_set_file_source(
    cli: CliRunner, real_stack: Stack, cleanup: list[str], tmp_path: Path
) -> None:
    name = f"ops-offsets-{uuid.uuid4().hex[:8]}"
    cleanup.append(name)
    config = _file_source(real_stack, name, ["alpha", "beta", "gamma"])
    _create(real_stack, name, config)
    env = _env(real_stack)
    partition = {"filename": config["file"]}

    committed = _wait_until(
        "committed source offsets",
        lambda: [o for o in _offsets(cli, real_stack, name) if o["offset"].get("position", 0) > 0],
    )
    assert committed[0]["partition"] == partition

    # PAUSED → stopped, reset, paused again: the offsets stay empty.
    assert cli("pause", name, "--wait", env=env).exit_code == 0
    result = cli("offsets", "reset", name, "--yes", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"✓ stopped {name}"
    assert "reset successfully" in result.stdout
    assert result.stdout.splitlines()[-1] == f"✓ paused {name} (PAUSED as before)"
    # A real worker re-creates a STOPPED connector's tasks only on resume: PAUSED, no tasks.
    _wait_until("PAUSED again", _state_is(real_stack, name, "PAUSED", tasks=0))
    assert _offsets(cli, real_stack, name) == []

    # Set a position, from a file; PAUSED is restored again.
    path = tmp_path / "offsets.json"
    path.write_text(json.dumps({"offsets": [{"partition": partition, "offset": {"position": 6}}]}))
    result = cli("offsets", "set", name, "--file", str(path), "--yes", env=env)
    assert result.exit_code == 0, result.output
    assert "set offsets for 1 partition(s)" in result.stdout
    # A real worker re-creates a STOPPED connector's tasks only on resume: PAUSED, no tasks.
    _wait_until("PAUSED again", _state_is(real_stack, name, "PAUSED", tasks=0))
    assert _offsets(cli, real_stack, name) == [{"partition": partition, "offset": {"position": 6}}]

    # RUNNING → stopped, reset, resumed: the connector reads the whole file again.
    assert cli("resume", name, "--wait", env=env).exit_code == 0
    result = cli("offsets", "reset", name, "--yes", "-o", "json", env=env)
    assert result.exit_code == 0, result.output
    assert result.json["data"]["state_before"] == result.json["data"]["state_after"] == "RUNNING"
    _wait_until("RUNNING again", _state_is(real_stack, name, "RUNNING"))

    def reread() -> Any:
        messages = real_stack.read_topic(config["topic"], timeout_ms=5000)
        payloads = [json.loads(m)["payload"] for m in messages]
        return payloads if payloads.count("alpha") >= 2 else None

    # alpha (first run), beta+gamma (from position 6), alpha+beta+gamma (after the reset)
    payloads = _wait_until("the file read again after the reset", reread)
    assert payloads.count("alpha") == 2


def test_export_round_trip_plans_no_changes(
    cli: CliRunner, real_stack: Stack, cleanup: list[str], tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    running, paused = f"ops-export-{suffix}", f"ops-export-paused-{suffix}"
    cleanup += [running, paused]
    secret = f"canary-S3cr3t-{suffix}"
    properties = real_stack.sink_file(f"{running}.properties")
    properties.write_text("key=resolved-by-the-worker\n")
    _create(
        real_stack,
        running,
        _file_source(
            real_stack,
            running,
            ["x"],
            **{
                "x.api.password": secret,
                "x.octal": "0755",
                "x.flag": "on",
                "x.template": "${NOT_OURS} $${kept}",
                "x.provider": f"${{file:{properties}:key}}",
            },
        ),
    )
    _create(real_stack, paused, _file_source(real_stack, paused, ["y"]), state="PAUSED")
    out = tmp_path / "exported"
    result = cli("export", running, paused, "--dir", str(out), env=_env(real_stack))
    assert result.exit_code == 0, result.output
    variable = f"OPS_EXPORT_{suffix.upper()}_X_API_PASSWORD"
    assert result.stdout.splitlines()[-1] == f"  {variable}"
    assert secret not in result.output
    assert secret not in (out / f"{running}.yaml").read_text()
    assert "state: paused" in (out / f"{paused}.yaml").read_text()

    plan = cli("plan", str(out), "--detailed-exitcode", env=_env(real_stack, **{variable: secret}))
    assert plan.exit_code == 0, plan.output
    assert "No changes." in plan.stdout
    assert secret not in plan.output
