"""Text output without rich (kconnect.output.console.PlainConsole) is byte for byte what the
rich console writes, piped and on a terminal (styles, NO_COLOR, colour systems): secrets masked
as rich's segments are, control characters dropped or made inert, newlines inside a piece, wide
and bidi characters, a tab and styles rich must parse (left to rich)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kconnect.output.console import (
    PlainConsole,
    console,
    emits_styles,
    print_pieces,
    stdout,
    text_console,
)
from kconnect.output.redaction import clear_secrets, register_secrets

PIECES: list[list[tuple[str, str | None]]] = [
    [("1 connector(s) checked: 0 error(s), 0 warning(s)", "green")],
    [("one.yaml:3: ", "bold"), ("error", "red"), (": bad value ", None), ("[rule]", "dim")],
    [
        ("a: ", "bold"),
        ("warning", "yellow"),
        (": x ", None),
        ("[r]", "dim"),
        ("\n    hint: h", "dim"),
    ],
    [("bell\x07 back\x08 vt\x0b ff\x0c cr\r end", "red")],
    [("esc \x1b]0;title\x07 csi \x1b[2J del \x7f c1 \x85 bidi \u202e iso \u2066", None)],
    [("crlf\r\nnext", "dim"), ("", "bold"), ("\n", None), ("after\n\n", "yellow")],
    [("secret hunt", "bold"), ("er2 spans pieces; whole hunter2 here", None)],
    [("password=hunter2 and https://user:pw0rd@host/x", "red")],
    [("wide 漢字 and emoji 🙂 :smile: [bold]not markup[/]", "bold red")],
    [("tab\there", "red"), ("x", None)],
    [("", None)],
    [("a hunt", None), ("er2 b", None), ("", "red"), ("c", ""), (" hunt", "dim"), ("er2", "dim")],
    [("+ create x", "bold green"), (" y", "red bold"), (" z", "bold yellow"), (" w", "cyan")],
    [("header", "table.header"), (" x", None)],
    [("on red", "white on red")],
    [("italic underline", "underline italic dim")],
    [("x" * 1200, "green")],
]


@pytest.fixture(autouse=True)
def _secrets() -> Iterator[None]:
    register_secrets(["hunter2", "pw0rd"])
    yield
    clear_secrets()


TERMINALS = [
    {},  # piped
    {"FORCE_COLOR": "1"},
    {"FORCE_COLOR": "1", "NO_COLOR": "1"},
    {"FORCE_COLOR": "1", "COLORTERM": "truecolor"},
    {"TTY_COMPATIBLE": "1", "TERM": "xterm-256color"},
]


@pytest.mark.parametrize("env", TERMINALS, ids=lambda e: ",".join(e) or "piped")
@pytest.mark.parametrize("pieces", PIECES)
def test_plain_console_writes_what_rich_writes(
    pieces: list[tuple[str, str | None]],
    env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "COLORTERM", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    print_pieces(console(), pieces)
    rich = capsys.readouterr()
    light = text_console()
    assert isinstance(light, PlainConsole)
    print_pieces(light, pieces)
    assert capsys.readouterr() == rich
    assert "hunter2" not in rich.out


def test_a_dumb_terminal_is_left_to_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    assert not isinstance(text_console(), PlainConsole)


@pytest.mark.parametrize(
    ("env", "styled"),
    [
        ({}, False),
        ({"FORCE_COLOR": "1"}, True),
        ({"FORCE_COLOR": ""}, False),
        ({"TTY_COMPATIBLE": "1"}, True),
        ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, False),
        ({"NO_COLOR": "1"}, False),
    ],
)
def test_only_piped_unforced_output_is_plain(
    env: dict[str, str], styled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert emits_styles(stdout()) is styled
    assert (console().color_system is not None) is styled  # rich agrees
