"""`kconnect --help` (and bare `kconnect`) without importing typer or click.

The root help is the page people and pre-commit hooks see most, and typer's import alone costs
several times Python's own start-up. The page is written from the command table
(`kconnect.cli.COMMANDS`) in the layout click gives it: tests/test_root_help.py compares the two
at several terminal widths, so they cannot drift apart. Every other help page is click's own.
"""

from __future__ import annotations

import shutil
import textwrap

USAGE = "[OPTIONS] COMMAND [ARGS]..."
# click's help formatter: at most 80 columns, at least 50, two fewer than the terminal.
_MAX_WIDTH = 80
_MIN_WIDTH = 50
_COLUMN_MAX = 30
_COLUMN_SPACING = 2


def root_help(width: int | None = None) -> str:
    """The root help page, without its final newline (as click's `get_help()`)."""
    from kconnect.cli import COMMANDS, ROOT_HELP, ROOT_OPTIONS

    if width is None:
        width = max(min(shutil.get_terminal_size().columns, _MAX_WIDTH) - 2, _MIN_WIDTH)
    indent = "  "
    lines = [_wrap(USAGE, width, "Usage: kconnect ", " " * len("Usage: kconnect ")), ""]
    paragraphs = ROOT_HELP.split("\n\n")
    lines.append("\n\n".join(_wrap(" ".join(p.split()), width, indent, indent) for p in paragraphs))
    lines += ["", "Options:", *_definitions(ROOT_OPTIONS, width, indent)]
    limit = width - 6 - max(len(name) for name in COMMANDS)
    commands = [(name, short_help(summary, limit)) for name, (_module, summary) in COMMANDS.items()]
    lines += ["", "Commands:", *_definitions(commands, width, indent)]
    return "\n".join(lines)


def short_help(text: str, limit: int) -> str:
    """The first sentence of `text` if it fits in `limit`, else as many words as fit with
    "..." (click's `make_default_short_help`)."""
    words = text.split("\n\n", 1)[0].split()
    total = 0
    for i, word in enumerate(words):
        total += len(word) + (i > 0)
        if total > limit:
            break
        if word.endswith("."):
            return " ".join(words[: i + 1])
        if total == limit and i != len(words) - 1:
            break
    else:
        return " ".join(words)
    total += len("...")
    while i > 0:
        total -= len(words[i]) + (i > 0)
        if total <= limit:
            break
        i -= 1
    return " ".join(words[:i]) + "..."


def _wrap(text: str, width: int, first: str, rest: str) -> str:
    return textwrap.fill(
        text, width, initial_indent=first, subsequent_indent=rest, replace_whitespace=False
    )


def _definitions(rows: list[tuple[str, str]], width: int, indent: str) -> list[str]:
    """Two columns as click's `write_dl` lays them out."""
    first_width = min(max(len(term) for term, _ in rows), _COLUMN_MAX) + _COLUMN_SPACING
    text_width = max(width - first_width - 2, 10)
    lines = []
    for term, text in rows:
        wrapped = textwrap.wrap(" ".join(text.split()), text_width, replace_whitespace=False)
        if len(term) <= first_width - _COLUMN_SPACING:
            head = f"{indent}{term}{' ' * (first_width - len(term))}"
        else:
            lines.append(f"{indent}{term}")
            head = " " * (first_width + len(indent))
        lines.append(head + (wrapped[0] if wrapped else ""))
        lines += [" " * (first_width + len(indent)) + line for line in wrapped[1:]]
    return lines
