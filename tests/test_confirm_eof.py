"""End of input (Ctrl-D) at a confirmation prompt is a no, as "n" is: "cancelled", nothing
written, the exit code of a declined confirmation — not Ctrl-C's "Interrupted." (130)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.fakeconnect import FakeConnect
from tests.terminal import Terminal

SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
CONFIG = {"connector.class": SINK, "topics": "t", "file": "/tmp/a.txt"}


def _answer(fake: FakeConnect, argv: list[str], keys: str) -> tuple[int, str]:
    command = [sys.executable, "-m", "kconnect", *argv]
    with Terminal(command, subprocess_env(fake), columns=200, rows=40) as term:
        term.wait_for("[y/N]")
        term.send(keys)
        code = term.wait_exit(20)
        return code, " ".join(term.text().split())


@pytest.mark.parametrize("keys", ["n\r", "\x04"], ids=["n", "ctrl-d"])
def test_delete_declined_or_at_end_of_input_writes_nothing(keys: str) -> None:
    with FakeConnect(latency=0.0) as fake:
        fake.add_connector("a", dict(CONFIG))
        code, screen = _answer(fake, ["delete", "a"], keys)
        assert fake.writes() == []
        assert fake.connector_names() == ["a"]
    assert code == 1, screen
    assert "Delete a? [y/N]:" in screen
    assert "cancelled; nothing was changed" in screen
    assert "Interrupted" not in screen


@pytest.mark.parametrize("keys", ["n\r", "\x04"], ids=["n", "ctrl-d"])
def test_apply_declined_or_at_end_of_input_writes_nothing(keys: str, tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(
        f"name: b\nconfig:\n  connector.class: {SINK}\n  topics: t\n  file: /tmp/b.txt\n"
    )
    with FakeConnect(latency=0.0) as fake:
        fake.add_connector("a", dict(CONFIG))
        code, screen = _answer(fake, ["apply", str(tmp_path), "--prune"], keys)
        assert fake.writes() == []
        assert fake.connector_names() == ["a"]
    assert code == 1, screen
    assert "cancelled; nothing was changed" in screen
    assert "Interrupted" not in screen


def test_an_invalid_answer_asks_again() -> None:
    with FakeConnect(latency=0.0) as fake:
        fake.add_connector("a", dict(CONFIG))
        code, screen = _answer(fake, ["delete", "a"], "maybe\ryes\r")
        assert fake.connector_names() == []
    assert code == 0, screen
    assert "Error: invalid input" in screen


def test_ctrl_c_at_the_prompt_still_interrupts() -> None:
    with FakeConnect(latency=0.0) as fake:
        fake.add_connector("a", dict(CONFIG))
        command = [sys.executable, "-m", "kconnect", "delete", "a"]
        with Terminal(command, subprocess_env(fake), columns=200, rows=40) as term:
            term.wait_for("[y/N]")
            os.killpg(term.process.pid, signal.SIGINT)  # what the terminal's Ctrl-C sends
            code = term.wait_exit(20)
            screen = " ".join(term.text().split())
        assert fake.writes() == []
    assert code == 130, screen
    assert "Interrupted." in screen
