"""Bytes → text for manifest and env files, with a line for every problem.

UTF-8 is the format; a byte-order mark selects UTF-8, UTF-16 or UTF-32 (the encodings YAML
allows), so a file saved as "Unicode" by a Windows editor is read rather than rejected.
"""

from __future__ import annotations

import codecs
import re

# Longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The line breaks YAML (and so PyYAML's marks) counts; the same count keeps every line number
# we report consistent with the YAML parser's.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_NON_ASCII_RUN = re.compile(rb"[\x80-\xff]+")
_ESCAPE_HINT = ": write each non-ASCII character as \\uXXXX (é as \\u00E9)"
# `Properties.load` ends lines at \n, \r and \r\n only (not at \f, \x85, ... as YAML does).
_PROPERTIES_LINE_BREAK = re.compile("\r\n|[\r\n]")
JSON_SUFFIX = ".json"
PROPERTIES_SUFFIX = ".properties"


def format_of(path: str) -> str:
    """ "json", "properties" or "yaml", from the file name (kconnect.manifests.formats reads
    the first two; YAML, the common case, needs nothing of it)."""
    lowered = path.lower()
    if lowered.endswith(JSON_SUFFIX):
        return "json"
    if lowered.endswith(PROPERTIES_SUFFIX):
        return "properties"
    return "yaml"


class TextProblem(Exception):
    """Why bytes are not readable text, and at which line (1-based)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message, line)
        self.message = message
        self.line = line


def line_and_column(
    text: str, index: int, line_break: re.Pattern[str] = _LINE_BREAK
) -> tuple[int, int]:
    """1-based line and column of `text[index]`, counting line breaks as YAML does (or as
    `line_break` matches them)."""
    breaks = list(line_break.finditer(text, 0, index))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - start + 1


def decode(data: bytes) -> str:
    """The text of `data`; `TextProblem` at the offending line when it is not text."""
    encoding, start = "utf-8", 0
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, start = name, len(bom)
            break
    body = data[start:]
    if encoding == "utf-8" and (nul := body.find(b"\0")) >= 0:
        # Before decoding: a UTF-16 file without a byte-order mark is mostly NUL bytes.
        before = body[:nul].decode(encoding, errors="replace")
        line, column = line_and_column(before + "\0", len(before))
        raise TextProblem(
            f"NUL byte at column {column} (byte offset {start + nul}); text files hold none "
            "(a UTF-16 file needs a byte-order mark)",
            line,
        )
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        before = body[: exc.start].decode(encoding, errors="replace")
        line, column = line_and_column(before + "\0", len(before))
        bad = body[exc.start : exc.start + 1].hex().upper()
        hint = "save the file as UTF-8" if encoding == "utf-8" else f"the file is not {encoding}"
        raise TextProblem(
            f"not valid {encoding.upper()}: byte 0x{bad} at column {column} "
            f"(byte offset {start + exc.start}); {hint}",
            line,
        ) from None
    if (nul := text.find("\0")) >= 0:
        line, column = line_and_column(text, nul)
        offset = start + len(text[:nul].encode(encoding))
        raise TextProblem(
            f"NUL character at column {column} (byte offset {offset}); text files hold none",
            line,
        )
    return text


def properties_text(data: bytes) -> str:
    """A `.properties` file's text as standalone Connect reads it (`Utils.loadProps` →
    `Properties.load(InputStream)`): every byte one ISO-8859-1 character. What Java would read
    other than as its author meant is refused (`TextProblem`), never read differently from
    Java: a byte-order mark (Java makes it part of the first key), NUL bytes, and non-ASCII
    text saved as UTF-8 (Java would read each byte as its own character)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise TextProblem(
                f"starts with a {name.upper()} byte-order mark; standalone Connect reads "
                ".properties files as ISO-8859-1 and would make it part of the first key: "
                f"save the file without it{_ESCAPE_HINT}",
                1,
            )
    text = data.decode("latin-1")
    if (nul := text.find("\0")) >= 0:
        line, column = line_and_column(text, nul, _PROPERTIES_LINE_BREAK)
        raise TextProblem(f"NUL byte at column {column}; text files hold none", line)
    for match in _NON_ASCII_RUN.finditer(data):
        try:
            match.group().decode("utf-8")
        except UnicodeDecodeError:
            continue  # ISO-8859-1 as Java reads it
        line, column = line_and_column(text, match.start(), _PROPERTIES_LINE_BREAK)
        raise TextProblem(
            f"non-ASCII text saved as UTF-8 at column {column}; standalone Connect reads "
            ".properties files as ISO-8859-1 and would see each byte as its own character"
            f"{_ESCAPE_HINT}",
            line,
        )
    return text


def read_text(path: str) -> str:
    """A file's text as its format reads it: a `.properties` file as standalone Connect does
    (`properties_text`), any other by `decode`. `TextProblem` when it is not text, `OSError`
    when unreadable."""
    with open(path, "rb") as handle:
        data = handle.read()
    return properties_text(data) if format_of(path) == "properties" else decode(data)
