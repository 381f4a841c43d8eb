"""The streams everything kconnect writes goes through: stdout for data, stderr for logs and
errors, and the files `export` writes.

Data is redacted before it is serialised (`redaction.redact_data`, `redact_text`); text for a
terminal is also made inert (`terminal.sanitize`). As the last line of defence the streams
replace every registered secret value, in its raw, JSON-escaped and repr spellings.
Nothing in kconnect writes to sys.stdout, sys.stderr or a file except through this module
(tests/test_output_seam.py enforces it).
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kconnect.output.redaction import redact, redact_data, redact_text
from kconnect.output.terminal import escape_json_text, sanitize

if TYPE_CHECKING:
    from rich.console import Console

log = logging.getLogger("kconnect.output")


class RedactingStream:
    """A text stream wrapper that masks registered secrets in everything written."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def stdout() -> RedactingStream:
    return RedactingStream(sys.stdout)


def stderr() -> RedactingStream:
    return RedactingStream(sys.stderr)


def safe_text(text: str) -> str:
    """Text as it may reach a terminal: redacted (values and patterns), control chars inert."""
    return sanitize(redact_text(text))


def console(*, err: bool = False) -> Console:
    """A rich console whose every rendered piece of text is redacted and sanitised, with
    markup off: a `[bold]` in a connector name prints as written."""
    import os

    stream = stderr() if err else stdout()
    # Piped output is read by scripts and grep: never wrap or truncate it (tables would cut
    # long class names to fit 80 columns). A terminal gets its own width.
    piped = not stream.isatty() and "COLUMNS" not in os.environ
    return _safe_console_class()(
        file=stream,
        highlight=False,
        markup=False,
        soft_wrap=True,
        emoji=False,
        width=1000 if piped else None,
    )


def emits_styles(stream: RedactingStream) -> bool:
    """Whether a rich console on `stream` would write styles (colours, bold): on a terminal,
    or when FORCE_COLOR or TTY_COMPATIBLE=1 say to (rich's own rules; a dumb terminal counts as
    styled here, and is left to rich)."""
    import os

    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    try:
        return stream.isatty()
    except ValueError:
        return False


# The characters rich's Text drops (BEL, BS, VT, FF, CR) before anything else sees them.
_RICH_DROPS = dict.fromkeys((7, 8, 11, 12, 13))


class PlainConsole:
    """Where a rich console would write no styles (piped, redirected): lines of text pieces
    written as that console writes them, without importing rich. Anything else (a rich
    renderable, a tab to expand) goes to the rich console itself, built on first need.

    Each piece is made safe on its own, line by line, as the rich console cleans each segment
    it renders (tests/test_plain_console.py compares the two byte for byte)."""

    color_system = None

    def __init__(self, *, err: bool = False) -> None:
        self._err = err
        self.file = stderr() if err else stdout()
        self._rich: Console | None = None

    def rich(self) -> Console:
        if self._rich is None:
            self._rich = console(err=self._err)
        return self._rich

    def print_pieces(self, pieces: Sequence[tuple[str, str | None]]) -> bool:
        """Write one line of (text, style) pieces; False, writing nothing, when only rich can
        write it as rich would (a tab: rich expands it to the next tab stop)."""
        if any("\t" in text for text, _style in pieces):
            return False
        line = "".join(
            "\n".join(safe_text(part) for part in text.translate(_RICH_DROPS).split("\n"))
            for text, _style in pieces
        )
        self.file.write(line + "\n")
        self.file.flush()
        return True

    def print(self, *objects: Any, **options: Any) -> None:
        self.rich().print(*objects, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich(), name)


def text_console(*, err: bool = False) -> Console | PlainConsole:
    """The console a command's text output goes to: a `PlainConsole` where rich would write no
    styles, else the rich console."""
    plain = PlainConsole(err=err)
    return console(err=err) if emits_styles(plain.file) else plain


def print_pieces(target: Console | PlainConsole, pieces: Sequence[tuple[str, str | None]]) -> None:
    """One line of (text, rich style) pieces, as `Text` made of them prints on `target`."""
    if isinstance(target, PlainConsole) and target.print_pieces(pieces):
        return
    from rich.text import Text

    if len(pieces) == 1:
        text = Text(pieces[0][0], style=pieces[0][1] or "")
    else:
        text = Text()
        for piece, style in pieces:
            text.append(piece, style=style)
    target.print(text)


@functools.cache
def _safe_console_class() -> Any:
    """Built on first use so that `kconnect --help` does not import rich."""
    from rich.console import Console
    from rich.segment import Segment

    class SafeConsole(Console):
        # Console.print, tables and Live all render through `render`: every text segment
        # (not the escape codes rich itself emits for style and cursor control) is cleaned
        # before it is styled and written.
        def render(self, renderable: Any, options: Any = None) -> Iterable[Segment]:
            for segment in super().render(renderable, options):
                if segment.control or not segment.text:
                    yield segment
                else:
                    yield Segment(safe_text(segment.text), segment.style, segment.control)

    return SafeConsole


def json_text(document: Any, *, indent: int | None = 2) -> str:
    """A JSON document redacted as data, then serialised (terminal-acting chars escaped)."""
    import json

    return escape_json_text(
        json.dumps(redact_data(document), indent=indent, sort_keys=False, ensure_ascii=False)
    )


def write_json(document: Any, *, err: bool = False) -> None:
    out = stderr() if err else stdout()
    out.write(json_text(document) + "\n")
    out.flush()


def write_plain(console: Console, text: str) -> None:
    """`text` to where `console` writes, redacted and sanitised as its segments would be, for a
    console that emits no styles (`color_system` None: piped, or a dumb terminal). Rich
    renders text segment by segment, which costs seconds for thousands of table rows and
    adds nothing without styles."""
    console.file.write(safe_text(text))
    console.file.flush()


def write_text(text: str, *, err: bool = False) -> None:
    """Plain text (Markdown, log lines, usage messages) to stdout or stderr, redacted and
    sanitised."""
    out = stderr() if err else stdout()
    out.write(safe_text(text))
    out.flush()


def last_words(text: str) -> None:
    """Before an immediate exit (a second Ctrl-C): the cursor shown again in case a live
    display hid it, `text` on stderr, and both streams flushed."""
    import contextlib

    if sys.stderr.isatty():
        sys.stderr.write("\x1b[?25h")
    sys.stderr.write(safe_text(text))
    flush_streams()
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()


def stdout_joins_stderr() -> bool:
    """Whether stdout and stderr write to the same file or pipe (a CI log with `2>&1`)."""
    import os

    try:
        return os.path.samestat(os.fstat(sys.stdout.fileno()), os.fstat(sys.stderr.fileno()))
    except (AttributeError, OSError, ValueError):
        return False


def flush_streams() -> None:
    """Flush stdout and stderr, whatever state they are in (before `os._exit`)."""
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def write_document(text: str) -> None:
    """A document kconnect produced (export to stdout), redacted as data by its maker like a
    file (`write_file`): a registered secret that still appears is replaced. Not masked by
    pattern: its secret keys already hold `${VAR}` placeholders, which must stay readable."""
    cleaned = redact(text)
    if cleaned != text:
        log.warning("a known secret value appeared in the export outside a secret key; masked")
    out = stdout()
    out.write(cleaned)
    out.flush()


def write_file(path: Path, text: str) -> None:
    """Write a file kconnect produces (export). Its content is redacted as data by its maker;
    a registered secret that still appears (a password reused as a harmless key's value) is
    replaced and reported rather than written."""
    cleaned = redact(text)
    if cleaned != text:
        log.warning("a known secret value appeared in %s outside a secret key; masked", path.name)
    path.write_text(cleaned, encoding="utf-8")


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Arguments are data: redact them before formatting (a `%r` would escape a secret
        # past a search of the formatted line).
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_text(str(a)) if isinstance(a, (str, BaseException)) else a
                for a in record.args
            )
        elif record.args:
            record.args = redact_data(record.args)
        return safe_text(super().format(record))


def configure_logging(verbosity: int) -> None:
    """-v: retries and re-reads; -vv: every request. Logs go to stderr, never stdout."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(stderr())
    handler.setFormatter(_RedactingFormatter("kconnect: %(message)s"))
    root = logging.getLogger("kconnect")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # httpx logs every request at INFO including the URL; ours already covers that at -vv.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
