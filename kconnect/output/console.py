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
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kconnect.output.redaction import redact, redact_data, redact_text
from kconnect.output.terminal import escape_json_text, sanitize

if TYPE_CHECKING:
    from rich.console import Console


def _warn(message: str, *args: object) -> None:
    """A warning in kconnect's log, imported on first use: logging costs start-up time, and a
    piped `validate` never logs."""
    import logging

    logging.getLogger("kconnect.output").warning(message, *args)


class RedactingStream:
    """A text stream wrapper that masks registered secrets in everything written."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if self._stream is None:  # closed before the start (`>&-`): written nowhere, as print
            return len(text)
        try:
            self._stream.write(redact(text))
        except OSError as exc:
            raise _output_failed(self._stream, exc) from None
        return len(text)

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            raise _output_failed(self._stream, exc) from None

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class OutputFailed(Exception):
    """kconnect's own output could not be written (a full disk, a pipe its reader closed):
    the report is lost, so the run does not end as a success (`kconnect.cli.main`)."""


def _output_failed(stream: IO[str], exc: OSError) -> OutputFailed:
    name = "stdout" if stream is sys.stdout else "stderr" if stream is sys.stderr else "output"
    return OutputFailed(f"cannot write to {name}: {exc.strerror or exc}")


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
# The SGR codes rich writes for the style words kconnect's text uses: attributes first, in
# this order, then the colour (a named colour keeps its own code in every colour system).
_ATTRIBUTES = {"bold": "1", "dim": "2", "italic": "3", "underline": "4"}
_COLOURS = {
    name: str(30 + number)
    for number, name in enumerate(
        ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
    )
}


def _sgr(style: str | None, *, no_color: bool) -> str | None:
    """The SGR parameters rich writes for `style` ("" for none), or None for a style it
    would have to parse itself."""
    words = (style or "").split()
    attributes = [w for w in words if w in _ATTRIBUTES]
    colours = [w for w in words if w in _COLOURS]
    if len(attributes) + len(colours) != len(words) or len(colours) > 1:
        return None
    codes = [_ATTRIBUTES[a] for a in _ATTRIBUTES if a in attributes]
    if colours and not no_color:  # NO_COLOR: rich drops colours, keeps bold and dim
        codes.append(_COLOURS[colours[0]])
    return ";".join(codes)


class PlainConsole:
    """Lines of (text, style) pieces written as the rich console would write them, without
    importing rich: plain where that console writes no styles (piped, redirected), with SGR
    codes on a terminal (`styled`). Anything else (a rich renderable, a tab to expand, a style
    rich must parse) goes to the rich console itself, built on first need.

    Rich renders a line as segments, one per run of text with one style, and the safe console
    cleans each segment on its own; so is each piece here (tests/test_plain_console.py compares
    the two byte for byte, piped and on a terminal, with and without NO_COLOR)."""

    def __init__(self, *, err: bool = False, styled: bool = False) -> None:
        import os

        self._err = err
        self._styled = styled
        self._no_color = os.environ.get("NO_COLOR", "") != ""
        self.file = stderr() if err else stdout()
        self._rich: Console | None = None

    @property
    def color_system(self) -> str | None:
        return self.rich().color_system if self._styled else None

    def rich(self) -> Console:
        if self._rich is None:
            self._rich = console(err=self._err)
        return self._rich

    def print_pieces(self, pieces: Sequence[tuple[str, str | None]]) -> bool:
        """Write one line of (text, style) pieces; False, writing nothing, when only rich can
        write it as rich would (a tab, which rich expands; a style it must parse)."""
        runs: list[tuple[str, str | None]] = []  # rich's segments: unstyled pieces run together
        for text, style in pieces:
            codes = _sgr(style, no_color=self._no_color)
            if codes is None or "\t" in text:
                return False
            if not text:
                continue
            if not style and runs and runs[-1][1] is None:
                runs[-1] = (runs[-1][0] + text, None)
            else:
                runs.append((text, codes if style else None))
        line = "".join(self._segment(text, codes) for text, codes in runs)
        self.file.write(line + "\n")
        self.file.flush()
        return True

    def _segment(self, text: str, codes: str | None) -> str:
        parts = [safe_text(part) for part in text.translate(_RICH_DROPS).split("\n")]
        if not (self._styled and codes):
            return "\n".join(parts)
        return "\n".join(f"\x1b[{codes}m{part}\x1b[0m" if part else "" for part in parts)

    def print(self, *objects: Any, **options: Any) -> None:
        self.rich().print(*objects, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich(), name)


def text_console(*, err: bool = False) -> Console | PlainConsole:
    """The console a command's text output goes to: a `PlainConsole` unless rich would write
    to a terminal it must ask more of (TERM=dumb or unknown)."""
    import os

    plain = PlainConsole(err=err)
    if not emits_styles(plain.file):
        return plain
    if os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return console(err=err)
    return PlainConsole(err=err, styled=True)


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
        with contextlib.suppress(AttributeError, OSError, ValueError):  # None: closed (`>&-`)
            stream.flush()


def output_lost(message: str) -> None:
    """After a write to stdout or stderr failed (`> /dev/full`, a pipe its reader closed):
    what the failed stream still buffers can never be written, so it is dropped (the exit
    must not fail on it again), and `message` goes to stderr if it still takes it."""
    import contextlib
    import os

    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
                continue
            setattr(sys, name, None)
    with contextlib.suppress(OSError):
        os.write(2, safe_text(message).encode())


def write_document(text: str) -> None:
    """A document kconnect produced (export to stdout), redacted as data by its maker like a
    file (`write_file`): a registered secret that still appears is replaced. Not masked by
    pattern: its secret keys already hold `${VAR}` placeholders, which must stay readable."""
    cleaned = redact(text)
    if cleaned != text:
        _warn("a known secret value appeared in the export outside a secret key; masked")
    out = stdout()
    out.write(cleaned)
    out.flush()


def write_file(path: Path, text: str) -> None:
    """Write a file kconnect produces (export). Its content is redacted as data by its maker;
    a registered secret that still appears (a password reused as a harmless key's value) is
    replaced and reported rather than written."""
    cleaned = redact(text)
    if cleaned != text:
        _warn("a known secret value appeared in %s outside a secret key; masked", path.name)
    path.write_text(cleaned, encoding="utf-8")


@functools.cache
def _redacting_formatter_class() -> Any:
    """Built on first use, with logging (see `_warn`)."""
    import logging

    class RedactingFormatter(logging.Formatter):
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

    return RedactingFormatter


def configure_logging(verbosity: int) -> None:
    """-v: retries and re-reads; -vv: every request. Logs go to stderr, never stdout."""
    import logging

    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(stderr())
    handler.setFormatter(_redacting_formatter_class()("kconnect: %(message)s"))
    root = logging.getLogger("kconnect")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # httpx logs every request at INFO including the URL; ours already covers that at -vv.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
