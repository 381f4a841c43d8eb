"""Live progress as a person sees it: `kconnect apply --wait` in a pseudo-terminal against the
fake worker (with latency, so the display has time to show), the screen read through a
terminal emulator; and the plain lines a CI log gets instead."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import subprocess_env
from tests.fakeconnect import FakeConnect
from tests.terminal import Terminal

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
TRACE = "org.apache.kafka.connect.errors.ConnectException: disk on fire\n\tat x.Y(Y.java:1)"
NAMES = ("flaky", "ok-a", "ok-b")


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    directory = tmp_path / "connectors.d"
    directory.mkdir()
    for name in NAMES:
        (directory / f"{name}.yaml").write_text(
            f"name: {name}\nconfig:\n  connector.class: {SOURCE}\n  topic: t-{name}\n"
            f"  file: /tmp/{name}.txt\n"
        )
    return directory


@pytest.fixture
def worker() -> Iterator[FakeConnect]:
    """A worker where `ok-b`'s task is unassigned for a while after it is created, and
    `flaky`'s task fails as soon as it exists."""
    with FakeConnect(latency=0.3) as fake:
        stop = threading.Event()

        def meddle() -> None:
            pending = set(NAMES)
            while pending and not stop.is_set():
                for name in list(pending & set(fake.connector_names())):
                    if name == "flaky":
                        fake.fail_task(name, 0, TRACE)
                    elif name == "ok-b":
                        fake.unassign_task(name, 0)
                    pending.discard(name)
                time.sleep(0.005)
            if stop.wait(2.5):
                return
            httpx.post(f"{fake.url}/connectors/ok-b/tasks/0/restart", timeout=10)

        thread = threading.Thread(target=meddle, daemon=True)
        thread.start()
        yield fake
        stop.set()
        thread.join(5)


COMMAND = [sys.executable, "-m", "kconnect", "apply", "--wait", "--timeout", "30"]


def test_a_terminal_gets_a_live_display_and_a_clean_summary(
    worker: FakeConnect, manifests: Path
) -> None:
    with Terminal([*COMMAND, str(manifests)], subprocess_env(worker), columns=100, rows=30) as term:
        seen = term.wait_for("Waiting for 3 connector(s)")
        assert "Writing 3/3 connector(s)" in seen
        # the failure's first trace line shows while the others are still waited for
        seen = term.wait_for("disk on fire")
        assert "ConnectException: disk on fire" in seen
        live = term.wait_for("tasks 0:UNASSIGNED")
        assert "ok-b" in live
        code = term.wait_exit(60)
        screen = term.text()
    assert code == 3  # flaky FAILED: unhealthy
    # the live display redrew in place (cursor up, erase line) and then erased itself
    assert b"\x1b[1A" in term.raw and b"\x1b[2K" in term.raw
    assert "Waiting for" not in screen and "Writing" not in screen
    # each connector counted once, by its final outcome
    summary = (
        "Apply: 2 created, 0 updated, 0 deleted, 0 unchanged, 1 failed (1 did not reach its state)."
    )
    assert screen.count(summary) == 1
    assert "✗ flaky failed:" in screen
    assert "ConnectException: disk on fire" in screen
    assert "✓ ok-b: created" in screen


def test_a_log_gets_plain_lines_without_redraws_or_colour(
    worker: FakeConnect, manifests: Path
) -> None:
    done = subprocess.run(
        [*COMMAND, str(manifests)],
        env=subprocess_env(worker, TERM="xterm-256color"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3
    lines = done.stderr.splitlines()
    assert "\x1b" not in done.stderr and "\r" not in done.stderr
    assert lines[0] == "Writing 3 connector(s)…"
    writes = sorted(line.split(" (")[0] for line in lines[1:4])
    assert writes == ["✓ flaky: created", "✓ ok-a: created", "✓ ok-b: created"]
    assert lines[4] == "Waiting up to 30s for 3 connector(s)…"
    waits = lines[5:]
    # a FAILED task is shown failed at once, once: not as a state, not again at the verdict
    failed = [line for line in waits if "flaky" in line]
    assert len(failed) == 1, waits
    assert failed[0].startswith(
        "✗ flaky failed: connector RUNNING, tasks 0:FAILED — org.apache.kafka.connect.errors."
        "ConnectException: disk on fire ("
    ), waits
    assert any(line.startswith("ok-b: connector RUNNING, tasks 0:UNASSIGNED (") for line in waits)
    assert any(line.startswith("✓ ok-a reached RUNNING (") for line in waits)
    assert any(line.startswith("✓ ok-b reached RUNNING (") for line in waits)
    # one line per change: a state seen again is not repeated
    assert (
        len([w for w in waits if w.startswith("ok-b: connector RUNNING, tasks 0:UNASSIGNED")]) == 1
    )
    assert "Apply: 2 created, 0 updated, 0 deleted, 0 unchanged, 1 failed" in done.stdout


def test_a_log_with_stdout_and_stderr_together_lists_each_write_once(
    worker: FakeConnect, manifests: Path
) -> None:
    """`2>&1` in CI: the result lists the writes, the progress gives counts instead."""
    done = subprocess.run(
        [*COMMAND, str(manifests)],
        env=subprocess_env(worker, TERM="dumb"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3, done.stdout
    lines = done.stdout.splitlines()
    for name in NAMES:
        assert len([x for x in lines if x.startswith(f"✓ {name}: created")]) == 1, lines
    assert [x.split(" (")[0] for x in lines if x.startswith("Written ")] == ["Written 3/3"]
    assert lines[-1] == (
        "Apply: 2 created, 0 updated, 0 deleted, 0 unchanged, 1 failed (1 did not reach its state)."
    )


def test_the_live_region_is_cut_to_the_width_shows_failed_at_once_and_survives_a_resize(
    manifests: Path,
) -> None:
    """A FAILED task whose trace is wider than the terminal: the region's lines are cut at the
    edge, the failure is marked and counted while the others are still waited for, and after
    the terminal shrinks nothing of the region is left on screen."""
    long_trace = "org.apache.kafka.connect.errors.ConnectException: " + "disk on fire " * 20
    with FakeConnect(latency=0.2) as fake:

        def polls() -> int:
            return len([r for r in fake.requests if (r.method, r.path) == ("GET", "/connectors")])

        def meddle() -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and fake.task_states("flaky") in (None, []):
                time.sleep(0.005)
            fake.fail_task("flaky", 0, long_trace)
            seen = polls()
            while polls() < seen + 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            # the display has shown the failure: slow the next polls, so it stays up
            fake.inject(method="GET", path="/connectors", delay=2.5, times=3)

        thread = threading.Thread(target=meddle, daemon=True)
        thread.start()
        with Terminal(
            [*COMMAND, str(manifests)], subprocess_env(fake), columns=80, rows=24
        ) as term:
            seen = term.wait_for(
                lambda s: "· 1 failed" in s and re.search("✗ +flaky", s) is not None
            )
            region = [line for line in seen.splitlines() if "ConnectException" in line]
            assert len(region) == 1 and len(region[0]) <= 80, region  # one row, cut
            assert region[0].rstrip().endswith("…")
            assert re.match("✗ +flaky +RUNNING +org.apache", region[0]), region
            term.resize(columns=50, rows=24)
            term.wait_for(lambda s: "Waiting" in s and all(len(x) <= 50 for x in s.splitlines()))
            code = term.wait_exit(60)
            screen = term.text()
        thread.join(5)
    assert code == 3, screen
    assert "Waiting for" not in screen and "Writing" not in screen
    assert not re.search("[·✗] +flaky +RUNNING", screen)
    assert "".join(screen.splitlines()[-2:]).startswith("Apply: 2 created, 0 updated")


def test_json_output_stays_one_document_and_progress_stays_silent(
    worker: FakeConnect, manifests: Path
) -> None:
    with Terminal(
        [*COMMAND, str(manifests), "-o", "json"], subprocess_env(worker), columns=100, rows=30
    ) as term:
        code = term.wait_exit(60)
    assert code == 3
    document = json.loads(bytes(term.raw).decode())
    assert document["command"] == "apply"
    assert document["exit_code"] == 3
    assert b"Waiting" not in term.raw and b"\x1b" not in term.raw


@pytest.mark.parametrize("setting", [{"TERM": "dumb"}, {"NO_COLOR": "1"}])
def test_no_color_and_dumb_terminals(
    worker: FakeConnect, manifests: Path, setting: dict[str, str]
) -> None:
    with Terminal(
        [*COMMAND, str(manifests)], subprocess_env(worker, **setting), columns=100, rows=30
    ) as term:
        code = term.wait_exit(60)
    assert code == 3
    raw = bytes(term.raw)
    # no colour: no SGR colour parameters (30-37, 38;5, 90-97)
    assert not any(f"\x1b[{n}m".encode() in raw for n in [*range(30, 38), *range(90, 98)])
    assert b"\x1b[38;" not in raw
    if setting.get("TERM") == "dumb":  # no cursor movement either: plain lines
        assert b"\x1b[1A" not in raw and b"\x1b[2K" not in raw
        assert b"Waiting up to 30s for 3 connector(s)" in raw


def test_bulk_state_change_reports_each_connector_and_sanitises_worker_text() -> None:
    """`resume a b --wait` in a log: one line per finished write and per state change; a
    trace that echoes a secret and carries terminal escapes is masked and made inert."""
    secret = "s3cr3t-Value-42"
    trace = f"org.example.AuthException:\x1b]0;pwned\x07 login with password={secret}"
    with FakeConnect(latency=0.1) as fake:
        config = {"connector.class": SOURCE, "topic": "t", "file": "/f"}
        fake.add_connector("a", {**config, "connection.password": secret}, state="PAUSED")
        fake.add_connector("b", config, state="PAUSED")

        def fail_a_when_running() -> None:
            deadline = time.monotonic() + 30
            while fake.task_states("a") != ["RUNNING"] and time.monotonic() < deadline:
                time.sleep(0.005)
            fake.fail_task("a", 0, trace + "\n\tat x.Y(Y.java:1)")

        thread = threading.Thread(target=fail_a_when_running, daemon=True)
        thread.start()
        done = subprocess.run(
            [sys.executable, "-m", "kconnect", "resume", "a", "b", "--wait", "--timeout", "20"],
            env=subprocess_env(fake),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        thread.join(5)
    assert done.returncode == 3, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == "Writing 2 connector(s)…"
    assert sorted(line.split(" (")[0] for line in lines[1:3]) == ["✓ a: resumed", "✓ b: resumed"]
    assert any(line.startswith("✓ b reached RUNNING (") for line in lines)
    failed = [line for line in lines if line.startswith("✗ a failed: connector RUNNING, tasks ")]
    assert len(failed) == 1
    assert secret not in done.stderr + done.stdout
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    assert "\\x1b]0;pwned\\x07" in failed[0]
    assert "password=********" in failed[0]


def test_log_lines_during_the_live_display_leave_no_debris(manifests: Path) -> None:
    """A worker restart mid-wait makes kconnect say it is retrying (visible without -v); in a
    terminal that line is printed above the live display, which still erases itself."""
    with FakeConnect(latency=0.2) as fake:

        def restart_worker() -> None:
            deadline = time.monotonic() + 30
            while len(fake.connector_names()) < len(NAMES) and time.monotonic() < deadline:
                time.sleep(0.005)
            fake.unassign_task("ok-b", 0)  # keeps --wait waiting through the restart
            fake.set_unreachable(True)
            time.sleep(1.5)
            fake.set_unreachable(False)
            time.sleep(0.5)
            httpx.post(f"{fake.url}/connectors/ok-b/tasks/0/restart", timeout=10)

        thread = threading.Thread(target=restart_worker, daemon=True)
        thread.start()
        with Terminal(
            [*COMMAND, str(manifests)], subprocess_env(fake), columns=100, rows=30
        ) as term:
            term.wait_for("worker unreachable, retrying")
            code = term.wait_exit(60)
            screen = term.text()
        thread.join(5)
    assert code == 0, screen
    assert "Waiting for" not in screen and "Writing" not in screen
    assert "kconnect: worker unreachable, retrying in" in screen
    assert "Apply: 3 created, 0 updated, 0 deleted, 0 unchanged, 0 failed." in screen
