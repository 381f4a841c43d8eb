"""The status table is written two ways: styled through rich for a terminal, and at once for a
console without styles (piped, a dumb terminal), which is what makes `status` of thousands of
connectors fast. Both must show the same characters."""

from __future__ import annotations

import io
import re

from kconnect.cli.render import render_status
from kconnect.core import StatusReport
from kconnect.health import connector_health
from kconnect.output.console import _safe_console_class

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _report() -> StatusReport:
    def status(state: str, task: str) -> dict[str, object]:
        return {
            "type": "source",
            "connector": {"state": state, "worker_id": "w1:8083"},
            "tasks": [{"id": 0, "state": task, "worker_id": "w2:8083"}],
        }

    names = ["plain", "[bold]markup[/bold]", "bell\x07and\x1b]0;title", "宽字符-wide", "x" * 60]
    healths = [connector_health(n, status("RUNNING", "RUNNING")) for n in names]
    healths.append(connector_health("broken", status("RUNNING", "FAILED")))
    return StatusReport(tuple(healths), ())


def _render(**options: object) -> str:
    out = io.StringIO()
    console = _safe_console_class()(
        file=out, highlight=False, markup=False, soft_wrap=True, emoji=False, width=200, **options
    )
    render_status(_report(), console)
    return out.getvalue()


def test_piped_and_styled_status_tables_show_the_same_characters() -> None:
    plain = _render(color_system=None)
    styled = _render(force_terminal=True, color_system="truecolor")
    assert "\x1b[" in styled  # the terminal got its colours
    assert plain == _ANSI.sub("", styled)
    assert "\x07" not in plain and "\\x1b]0;title" in plain  # inert, as everywhere else
    lines = plain.splitlines()
    assert lines[0].startswith("CONNECTOR") and len(lines) >= 7
