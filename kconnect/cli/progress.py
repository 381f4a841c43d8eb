"""Showing the core's progress events (`kconnect.progress`) on stderr.

- A terminal gets a live display (rich) that redraws in place: writes done/total and failures
  so far, then, for `--wait`, each connector's state and its tasks, elapsed and remaining
  time, and the first line of a FAILED trace as soon as it appears. It is erased when the
  work ends, so what stays on screen is the command's own summary.
  Every line of the region is cut to the terminal's current width (read again at each
  redraw, so a resize is followed), so the region is exactly as tall as it was drawn and is
  erased completely.
- Anything else (a CI log, a pipe, `TERM=dumb`) gets one plain line per finished write and
  per connector state change: nothing redrawn, no colour unless forced (`FORCE_COLOR`;
  `NO_COLOR` always wins). When stdout goes to the same place (`2>&1`), the result that
  follows lists every write, so the progress gives counts instead (every few seconds and at
  the end): each write appears once in the log.
- `-o json` gets nothing: stdout stays one JSON document, and stderr stays quiet.

Worker text (traces, errors) is redacted of known secrets by the core and by the output
streams, and sanitised here: a trace cannot drive the terminal.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from kconnect.progress import (
    Progress,
    ProgressEvent,
    WaitPolled,
    WaitStarted,
    WriteFinished,
    WritesStarted,
    ignore,
)

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.health import ConnectorHealth
    from kconnect.output.console import PlainConsole


def _safe(text: str) -> str:
    """One line of worker text, every control character shown escaped (inert)."""
    from kconnect.output.terminal import sanitize_line

    return sanitize_line(text)


def first_trace_line(health: ConnectorHealth) -> str:
    """The first failure trace in one line: its first line and its root cause."""
    from kconnect.health import headline

    traces = [health.trace, *(t.trace for t in health.failed_tasks)]
    for trace in traces:
        if trace:
            return _safe(headline(trace))
    return ""


def _tasks(health: ConnectorHealth) -> str:
    return " ".join(f"{t.id}:{t.state}" for t in health.tasks) or "no tasks yet"


def live_wanted(stream: Any, env: dict[str, str] | os._Environ[str]) -> bool:
    """A live display needs a terminal that can move its cursor."""
    term = env.get("TERM", "")
    return bool(getattr(stream, "isatty", lambda: False)()) and term not in ("dumb", "")


@contextmanager
def progress_display(output: str, *, quiet: bool = False) -> Iterator[Progress]:
    """The callback to hand the core for one command, for output format `output`; `quiet`
    (one connector, no wait: nothing to follow) shows nothing."""
    if output == "json" or quiet:
        yield ignore
        return
    from kconnect.output.console import console, stderr, stdout_joins_stderr, text_console

    if not live_wanted(stderr(), os.environ):
        yield PlainLines(text_console(err=True), result_follows=stdout_joins_stderr())
        return
    err = console(err=True)
    err.soft_wrap = False  # the live region is laid out by rich, never wrapped by the terminal
    display = LiveDisplay(err)
    try:
        yield display
    finally:
        display.stop()


class PlainLines:
    """One line per finished write and per state change; for logs, never redrawn."""

    COUNT_EVERY = 5.0  # seconds between count lines when the result lists the writes

    def __init__(
        self,
        console: Console | PlainConsole,
        *,
        result_follows: bool = False,
        clock: Any = time.monotonic,
    ) -> None:
        self.console = console
        self.result_follows = result_follows  # the result, in the same log, lists each write
        self.clock = clock
        self._started = self._counted = 0.0
        self._lock = threading.Lock()
        self.total = 0
        self.done = 0
        self.failed = 0
        self._seen: dict[str, tuple[str, str, str]] = {}
        self._read_error: str | None = None

    def _line(self, text: str, style: str | None = None) -> None:
        from kconnect.output.console import print_pieces

        # Plain (piped, a CI log) without rich, as rich's Text would print it.
        print_pieces(self.console, [(text, style)])

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            self._handle(event)

    def _handle(self, event: ProgressEvent) -> None:
        if isinstance(event, WritesStarted):
            self.total = event.total
            self._started = self._counted = self.clock()
            self._line(f"Writing {event.total} connector(s)…")
        elif isinstance(event, WriteFinished) and self.result_follows:
            self.done += 1
            self.failed += not event.ok
            now = self.clock()
            if self.done == self.total or now - self._counted >= self.COUNT_EVERY:
                self._counted = now
                failed = f", {self.failed} failed" if self.failed else ""
                self._line(f"Written {self.done}/{self.total}{failed} ({now - self._started:.1f}s)")
        elif isinstance(event, WriteFinished):
            self.done += 1
            count = f"({self.done}/{self.total}"
            if event.ok:
                self._line(f"✓ {_safe(event.name)}: {event.done} {count})", "green")
            else:
                self.failed += 1
                error = _safe(event.error or "")
                self._line(
                    f"✗ {_safe(event.name)}: {event.done} failed: {error} "
                    f"{count}, {self.failed} failed)",
                    "red",
                )
        elif isinstance(event, WaitStarted):
            self._line(f"Waiting up to {event.timeout:g}s for {len(event.targets)} connector(s)…")
        elif isinstance(event, WaitPolled):
            self._polled(event)

    def _polled(self, event: WaitPolled) -> None:
        at = f"({event.elapsed:.1f}s)"
        if event.read_error != self._read_error:
            self._read_error = event.read_error
            if event.read_error:
                self._line(f"status read failed, still waiting: {_safe(event.read_error)} {at}")
        for health in event.connectors:
            name = _safe(health.name)
            trace = first_trace_line(health)
            seen = (health.state, _tasks(health), trace)
            detail = f" — {trace}" if trace else ""
            state = f"connector {health.state}, tasks {_tasks(health)}{detail}"
            if health.name in event.reached:
                self._line(f"✓ {name} reached {health.state} {at}", "green")
            elif health.name in event.failed or health.name in event.failing:
                # Failed at once, one line per change: the verdict after the grace for a
                # stale status does not print the same failure again.
                if self._seen.get(health.name) != seen:
                    self._line(f"✗ {name} failed: {state} {at}", "red")
            elif self._seen.get(health.name) != seen:
                self._line(f"{name}: {state} {at}")
            self._seen[health.name] = seen


class LiveDisplay:
    """Redrawn in place on a terminal; erased when the work ends (the summary follows)."""

    def __init__(self, console: Console, clock: Any = time.monotonic) -> None:
        self.console = console
        self.clock = clock
        self._lock = threading.Lock()
        self._live: Any = None
        self.total = self.done = self.failed = 0
        self.writes_started: float | None = None
        self.writes_ended: float | None = None
        self.wait_started: float | None = None
        self.timeout = 0.0
        self.targets: dict[str, str] = {}
        self.health: dict[str, ConnectorHealth] = {}
        self.reached: set[str] = set()
        self.failed_waits: set[str] = set()  # the verdict, and FAILED seen before it
        self.read_error: str | None = None
        self._handlers: list[tuple[Any, Any]] = []  # log handlers and their own streams

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            if isinstance(event, WritesStarted):
                self.total, self.writes_started = event.total, self.clock()
            elif isinstance(event, WriteFinished):
                self.done += 1
                self.failed += not event.ok
                if self.done == self.total:
                    self.writes_ended = self.clock()
            elif isinstance(event, WaitStarted):
                self.targets = dict(event.targets)
                self.timeout, self.wait_started = event.timeout, self.clock()
            elif isinstance(event, WaitPolled):
                self.health.update({h.name: h for h in event.connectors})
                self.reached |= event.reached
                polled = {h.name for h in event.connectors}
                # FAILED shows (and counts) at once; one that recovered is dropped again.
                self.failed_waits -= polled - event.failing - event.failed
                self.failed_waits |= event.failed | event.failing
                self.read_error = event.read_error
        self._start()
        if self._live is not None:
            self._live.refresh()

    def _start(self) -> None:
        if self._live is not None:
            return
        from rich.live import Live

        self._live = Live(
            console=self.console,
            get_renderable=self.render,
            refresh_per_second=8,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()
        self._route_logs()

    def _route_logs(self) -> None:
        """kconnect's log lines (a visible retry, -v) written straight to the terminal would
        land inside the region being redrawn and stay there as debris: while the display is
        up they are printed through its console, above it."""
        import logging

        for handler in logging.getLogger("kconnect").handlers:
            if isinstance(handler, logging.StreamHandler):
                self._handlers.append((handler, handler.setStream(_ConsoleWriter(self.console))))

    def stop(self) -> None:
        if self._live is not None:
            for handler, stream in self._handlers:
                handler.setStream(stream)
            self._handlers = []
            self._live.stop()
            self._live = None

    def _follow_resize(self) -> None:
        """The terminal's current size, not the one at start (nor a fixed COLUMNS): a region
        laid out wider than the terminal would wrap and leave rows behind when erased."""
        try:
            size = os.get_terminal_size(self.console.file.fileno())
        except (AttributeError, OSError, ValueError):
            return
        if (size.columns, size.lines) != tuple(self.console.size):
            self.console.size = (size.columns, size.lines)

    def render(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        self._follow_resize()
        with self._lock:
            now = self.clock()
            parts: list[Any] = []
            if self.writes_started is not None:
                line = _region_line(f"Writing {self.done}/{self.total} connector(s)", style="bold")
                if self.failed:
                    line.append(f" · {self.failed} failed", style="red")
                ended = self.writes_ended or now
                line.append(f" · {ended - self.writes_started:.1f}s")
                parts.append(line)
            if self.wait_started is not None:
                elapsed = now - self.wait_started
                line = _region_line(
                    f"Waiting for {len(self.targets)} connector(s) · {len(self.reached)} reached",
                    style="bold",
                )
                if self.failed_waits:
                    line.append(f" · {len(self.failed_waits)} failed", style="red")
                left = max(0.0, self.timeout - elapsed)
                line.append(f" · {elapsed:.0f}s elapsed, {left:.0f}s left")
                parts.append(line)
                if self.read_error:
                    parts.append(
                        _region_line(f"status read failed: {_safe(self.read_error)}", "yellow")
                    )
                parts.append(self._table(Table, Text))
            return Group(*parts)

    def _table(self, table_class: Any, text_class: Any) -> Any:
        table = table_class(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        for column in ("mark", "name", "state", "detail"):
            # One row per connector, cut at the edge: a wrapped trace would grow the region.
            # Only the detail gives up room when the terminal is narrow (rich shrinks the
            # columns that may wrap; its cells are single lines cut with an ellipsis).
            table.add_column(column, no_wrap=column != "detail", overflow="ellipsis")
        # Unfinished first: that is what the person is waiting for.
        names = sorted(self.targets, key=lambda n: (n in self.reached, n))
        room = max(3, self.console.height - 4)
        for name in names[:room]:
            health = self.health.get(name)
            state = health.state if health else "…"
            if name in self.reached:
                mark, style = "✓", "green"
            elif name in self.failed_waits:
                mark, style = "✗", "red"
            else:
                mark, style = "·", ""
            detail = ""
            if health is not None:
                detail = first_trace_line(health) or f"tasks {_tasks(health)}"
            table.add_row(
                text_class(mark, style=style),
                text_class(_safe(name)),
                text_class(state, style=style),
                _region_line(detail, "red" if name in self.failed_waits else "dim"),
            )
        if len(names) > room:
            table.add_row("", text_class(f"… and {len(names) - room} more"), "", "")
        return table


def _region_line(text: str, style: str = "") -> Any:
    """One line of the live region: never wrapped, cut with an ellipsis at the edge."""
    from rich.text import Text

    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


class _ConsoleWriter:
    """A text stream that prints whole lines through a rich console (above a live display)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def write(self, text: str) -> int:
        from rich.text import Text

        for line in text.splitlines():
            self.console.print(Text(line), markup=False, highlight=False)
        return len(text)

    def flush(self) -> None:
        pass
