"""Ctrl-C during writes, as a person at a terminal meets it: `kconnect apply` (and a bulk
command) in a pseudo-terminal against the fake worker with latency, interrupted half-way by
SIGINT to its process group (what the terminal's Ctrl-C sends). The first one starts no new
write, lets those in flight finish, reports what was done and what was not, and exits 130; a
second one exits at once; a rerun converges."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.fakeconnect import FakeConnect
from tests.terminal import Terminal

# Every test here runs over both transports of the client (light and httpx).
pytestmark = pytest.mark.usefixtures("both_transports")

SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"


def _manifests(directory: Path, count: int) -> Path:
    directory.mkdir()
    for i in range(count):
        name = f"sink-{i:03d}"
        (directory / f"{name}.yaml").write_text(
            f"name: {name}\nconfig:\n  connector.class: {SINK}\n  topics: t\n"
            f"  file: /tmp/{name}.txt\n"
        )
    return directory


@pytest.fixture
def slow() -> Iterator[FakeConnect]:
    with FakeConnect(latency=0.25) as fake:
        yield fake


def _kconnect(*args: str) -> list[str]:
    return [sys.executable, "-m", "kconnect", *args]


def _start(fake: FakeConnect, *args: str) -> subprocess.Popen[str]:
    """`kconnect ARGS` against `fake` in the background, its output piped."""
    return subprocess.Popen(
        _kconnect(*args),
        env=subprocess_env(fake),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_writes(fake: FakeConnect, at_least: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(fake.connector_names()) < at_least and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.parametrize("verbose", [False, True])
def test_ctrl_c_during_apply_reports_what_was_done_and_a_rerun_converges(
    slow: FakeConnect, tmp_path: Path, verbose: bool
) -> None:
    manifests = _manifests(tmp_path / "m", 40)
    argv = _kconnect("apply", str(manifests), "--concurrency", "2", *(["-v"] if verbose else []))
    with Terminal(argv, subprocess_env(slow), columns=120, rows=150) as term:
        term.wait_for("Writing")
        _wait_for_writes(slow, 4)
        started = time.monotonic()
        os.killpg(term.process.pid, signal.SIGINT)
        code = term.wait_exit(30)
        elapsed = time.monotonic() - started
        screen = term.text()
    assert code == 130, screen
    assert elapsed < 5, elapsed  # the writes in flight took 0.25 s each
    created = len(slow.connector_names())
    assert 4 <= created < 40
    flat = " ".join(screen.split())  # the summary may wrap
    assert (
        f"Apply: {created} created, 0 updated, 0 deleted, 0 unchanged, 0 failed, "
        f"{40 - created} not written." in flat
    ), screen
    listed = "" if verbose else " (-v lists them)"
    assert (
        f"Interrupted (Ctrl-C): {created} of 40 sent, {40 - created} not sent{listed}; "
        "run `kconnect apply` again to finish." in flat
    ), screen
    not_sent = re.findall(r"· (sink-\d+): create not sent: interrupted", screen)
    if verbose:
        assert len(not_sent) == 40 - created
        assert set(not_sent).isdisjoint(slow.connector_names())
    else:
        assert not_sent == []
    assert len(re.findall(r"✓ sink-\d+: created", screen)) == created
    assert "Writing" not in screen  # the live display was erased, not left behind
    again = subprocess.run(
        _kconnect("apply", str(manifests), "-o", "json"),
        env=subprocess_env(slow),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["data"]["summary"]["created"] == 40 - created
    assert len(slow.connector_names()) == 40


def test_a_second_ctrl_c_exits_at_once(tmp_path: Path) -> None:
    manifests = _manifests(tmp_path / "m", 6)
    with FakeConnect(latency=0.0) as fake:
        fake.inject(method="PUT", path="/connectors/.*/config", delay=8, times=6)
        argv = _kconnect("apply", str(manifests), "--concurrency", "1")
        with Terminal(argv, subprocess_env(fake), columns=200, rows=40) as term:
            term.wait_for("Writing")
            # "Writing" shows before the first request leaves: a Ctrl-C in between finds
            # nothing in flight, and kconnect reports and exits before the second one.
            deadline = time.monotonic() + 10
            while not fake.writes() and time.monotonic() < deadline:
                time.sleep(0.01)
            os.killpg(term.process.pid, signal.SIGINT)
            term.wait_for("Ctrl-C again")
            started = time.monotonic()
            os.killpg(term.process.pid, signal.SIGINT)
            code = term.wait_exit(10)
            elapsed = time.monotonic() - started
            screen = term.text()
    assert code == 130, screen
    assert elapsed < 4, elapsed  # not the 8 s the write in flight takes
    assert "quit at once (second Ctrl-C)" in " ".join(screen.split())


def test_ctrl_c_with_json_output_gives_the_envelope(slow: FakeConnect, tmp_path: Path) -> None:
    manifests = _manifests(tmp_path / "m", 30)
    process = _start(slow, "apply", str(manifests), "--concurrency", "2", "-o", "json")
    _wait_for_writes(slow, 3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    doc = json.loads(out)
    assert (doc["status"], doc["exit_code"]) == ("interrupted", 130)
    data = doc["data"]
    created = len(slow.connector_names())
    assert data["interrupted"] is True
    assert data["summary"]["created"] == created
    assert data["summary"]["not_written"] == 30 - created > 0
    not_written = [r for r in data["results"] if r.get("interrupted")]
    assert {r["error"] for r in not_written} == {"not sent: interrupted"}
    assert {r["name"] for r in not_written}.isdisjoint(slow.connector_names())


def test_ctrl_c_during_a_bulk_delete(slow: FakeConnect) -> None:
    names = [f"x{i:02d}" for i in range(30)]
    for name in names:
        slow.add_connector(name, {"connector.class": SINK, "topics": "t", "file": "/f"})
    process = _start(slow, "delete", *names, "--yes", "--concurrency", "2")
    deadline = time.monotonic() + 30
    while len(slow.connector_names()) > 26 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    left = len(slow.connector_names())
    assert 0 < left < 30
    assert out.splitlines()[-1] == (
        f"Interrupted (Ctrl-C): {30 - left} of 30 sent, {left} not sent (-v lists them); "
        "run `kconnect delete` again to finish."
    )
    assert len([x for x in out.splitlines() if x.startswith("✓ deleted ")]) == 30 - left


def test_a_write_still_in_flight_after_the_grace_is_reported_unknown(tmp_path: Path) -> None:
    """The first Ctrl-C waits for writes in flight, but not for ever (10 s): one that has not
    answered by then is reported as in flight with an unknown outcome, and kconnect exits."""
    manifests = _manifests(tmp_path / "m", 3)
    with FakeConnect(latency=0.0) as fake:
        fake.inject(method="PUT", path="/connectors/sink-000/config", delay=14, times=1)
        process = _start(fake, "apply", str(manifests), "--concurrency", "1", "-v")
        deadline = time.monotonic() + 30
        while not fake.requests or fake.requests[-1].method != "PUT":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.3)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        elapsed = time.monotonic() - started
    assert process.returncode == 130, err
    assert 9 < elapsed < 14, elapsed
    assert (
        "· sink-000: create interrupted while in flight: the outcome is unknown (run the command "
        "again)"
    ) in out
    assert out.splitlines()[-1] == (
        "Interrupted (Ctrl-C): 0 of 3 sent, 2 not sent, 1 in flight with an unknown outcome; "
        "run `kconnect apply` again to finish."
    )


def test_ctrl_c_during_the_wait_stops_waiting_and_says_so(tmp_path: Path) -> None:
    manifests = _manifests(tmp_path / "m", 2)
    with FakeConnect(latency=0.05) as fake:
        # the plan's read and the first poll answer late: the task is unassigned by then
        fake.inject(method="GET", path="/connectors", delay=1.0, times=2)
        process = _start(fake, "apply", str(manifests), "--wait", "--timeout", "60")
        deadline = time.monotonic() + 30
        while fake.task_states("sink-001") in (None, []) and time.monotonic() < deadline:
            time.sleep(0.01)
        fake.unassign_task("sink-001", 0)  # waited for (a verdict would take 3 s)
        time.sleep(1.5)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        elapsed = time.monotonic() - started
    assert process.returncode == 130, err
    assert elapsed < 3, elapsed
    lines = out.splitlines()
    assert "did not reach its state in time" not in out
    assert lines[-2] == "Apply: 2 created, 0 updated, 0 deleted, 0 unchanged, 0 failed."
    assert lines[-1] == (
        "Interrupted (Ctrl-C) while waiting: every change was written; 1 of 2 connector(s) had "
        "reached their state, 1 were still waited for."
    )
