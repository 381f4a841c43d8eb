"""Plain text lines and aligned columns for the day-two commands' human output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def text(console: Console, line: str, style: str | None = None) -> None:
    from rich.text import Text

    console.print(Text(line, style=style or ""))


def table(console: Console, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """Plain aligned columns, never truncated or wrapped (class names must stay whole when
    piped to grep or awk)."""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    for row in (columns, *rows):
        text(console, "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def failed_summary(console: Console, what: str, total: int, failed: Sequence[object]) -> None:
    """One closing line when several connectors were asked for and some failed."""
    if failed and total > 1:
        text(console, f"{what}: {total - len(failed)} ok, {len(failed)} failed.")
