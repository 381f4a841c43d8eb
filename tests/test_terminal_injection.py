"""Text that did not come from kconnect cannot drive the terminal: escape sequences and control
characters in worker messages, traces, connector names and file names are shown escaped in
text mode; JSON escapes them as JSON does; rich markup in a name prints as written."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRunner, file_source, write_manifest
from tests.fakeconnect import FakeConnect

TITLE = "\x1b]0;pwned\x07"  # OSC: set the window title
CLEAR = "\x1b[2J\x1b[H"  # CSI: clear the screen, cursor home
C1 = "\x9b31m"  # C1 CSI: red, on terminals that take 8-bit controls
BIDI = "\u202e"  # right-to-left override

RAW = (TITLE, CLEAR, "\x1b", "\x07", "\x9b", "\r", BIDI)


def assert_inert(text: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{raw!r} written raw:\n{text!r}"


def test_worker_traces_and_messages_are_escaped(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector(
        "evil", {"connector.class": "FileStreamSource", "file": "/tmp/x", "topic": "t"}
    )
    trace = f"java.lang.RuntimeException: {TITLE}boom{CLEAR}\r\n\tat x{C1}{BIDI}(X.java:1)\rfake"
    fake.fail_task("evil", 0, trace)
    env = {"KCONNECT_URL": fake.url}
    status = cli("status", env=env)
    assert status.exit_code == 3
    assert_inert(status.output)
    # ESC shown escaped; BEL and CR are dropped by rich itself before we see them (inert too)
    assert "java.lang.RuntimeException: \\x1b]0;pwnedboom\\x1b[2J\\x1b[H" in status.stdout
    describe = cli("describe", "evil", env=env)
    assert_inert(describe.output)
    assert "at x\\x9b31m\\u202e(X.java:1)" in describe.stdout
    # JSON keeps the text, escaped as JSON escapes it
    doc = cli("status", "-o", "json", env=env)
    assert_inert(doc.stdout)
    assert doc.json["data"]["connectors"][0]["tasks"][0]["trace"].startswith(
        f"java.lang.RuntimeException: {TITLE}boom{CLEAR}"
    )
    fake.inject(method="GET", path="/connectors", status=500, message=f"bad {TITLE}{CLEAR}")
    error = cli("status", env=env)
    assert error.exit_code == 1
    assert_inert(error.output)
    assert "bad \\x1b]0;pwned\\x1b[2J\\x1b[H" in error.stderr


def test_connector_names_and_markup_from_the_worker(cli: CliRunner, fake: FakeConnect) -> None:
    for name in (f"n{TITLE}x", "[bold red]styled[/bold red]", "[link=http://evil]x[/link]"):
        fake.add_connector(name, {"connector.class": "FileStreamSource", "topic": "t"})
    env = {"KCONNECT_URL": fake.url}
    for args in (("get",), ("status",)):
        result = cli(*args, env=env)
        assert result.exit_code == 0, result.output
        assert_inert(result.output)
        assert "n\\x1b]0;pwnedx" in result.stdout
        assert "[bold red]styled[/bold red]" in result.stdout
        assert "[link=http://evil]x[/link]" in result.stdout
    names = {c["name"] for c in cli("get", "-o", "json", env=env).json["data"]["connectors"]}
    assert f"n{TITLE}x" in names


def test_file_names_in_errors(cli: CliRunner, tmp_path: Path) -> None:
    path = write_manifest(tmp_path, f"bad{CLEAR}.yaml", "name: [unclosed\n")
    result = cli("validate", str(path))
    assert result.exit_code == 1
    assert_inert(result.output)
    assert "bad\\x1b[2J\\x1b[H.yaml" in result.output
    as_json = cli("validate", str(path), "-o", "json")
    assert_inert(as_json.stdout)
    assert json.loads(as_json.stdout)["data"]["problems"][0]["file"].endswith(f"bad{CLEAR}.yaml")


def test_reconcile_text_lines_are_escaped(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    fake.inject(method="GET", path="/connectors", status=500, message=f"x{TITLE}\nfake line")
    result = cli("reconcile", str(tmp_path), "--once", env={"KCONNECT_URL": fake.url})
    assert_inert(result.output)
    assert "x\\x1b]0;pwned\\x07" in result.stdout
    # a newline in worker text cannot forge a log line of its own
    assert not any(line.startswith("fake line") for line in result.stdout.splitlines())
