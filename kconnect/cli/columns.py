"""Plain text lines and aligned columns for the day-two commands' human output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.output.console import PlainConsole


class BulkResult(Protocol):
    """One connector's outcome in a bulk command (restart, pause, resume, stop)."""

    @property
    def name(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def error(self) -> str | None: ...
    @property
    def interrupted(self) -> bool: ...


def text(console: Console | PlainConsole, line: str, style: str | None = None) -> None:
    """One line in one style, as rich's `Text(line, style=style)` prints it; on a plain
    console (`kconnect.output.console.text_console`) without importing rich."""
    from kconnect.output.console import print_pieces

    print_pieces(console, [(line, style)])


def table(
    console: Console | PlainConsole, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]
) -> None:
    """Plain aligned columns, never truncated or wrapped (class names must stay whole when
    piped to grep or awk)."""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    for row in (columns, *rows):
        text(console, "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def interrupted_summary(
    console: Console | PlainConsole,
    command: str,
    total: int,
    not_done: Sequence[tuple[str, str]],
    *,
    verbose: bool,
) -> None:
    """What a Ctrl-C left undone: each connector with -v, counts otherwise. `not_done`
    holds (name, why) for every connector whose write was not sent or not confirmed."""
    from kconnect.ops.bulk import IN_FLIGHT

    if verbose:
        for name, why in not_done:
            text(console, f"· {name}: {why}", "yellow")
    in_flight = sum(why.endswith(IN_FLIGHT) for _, why in not_done)
    unknown = f", {in_flight} in flight with an unknown outcome" if in_flight else ""
    listed = "" if verbose or not not_done else " (-v lists them)"
    text(
        console,
        f"Interrupted (Ctrl-C): {total - len(not_done)} of {total} sent, "
        f"{len(not_done) - in_flight} not sent{unknown}{listed}; run `kconnect {command}` "
        "again to finish.",
        "bold yellow",
    )


def failed_summary(
    console: Console | PlainConsole, what: str, total: int, failed: Sequence[object]
) -> None:
    """One closing line when several connectors were asked for and some failed."""
    if failed and total > 1:
        text(console, f"{what}: {total - len(failed)} ok, {len(failed)} failed.")


def bulk_summary(
    console: Console | PlainConsole, command: str, results: Sequence[BulkResult], *, verbose: bool
) -> None:
    """A bulk command's closing lines: how many failed, and what a Ctrl-C left undone."""
    failed = [r for r in results if not r.ok and not r.interrupted]
    failed_summary(console, command.capitalize(), len(results), failed)
    not_done = [(r.name, r.error or "") for r in results if r.interrupted]
    if not_done:
        interrupted_summary(console, command, len(results), not_done, verbose=verbose)
