"""Nothing that prints bypasses the output seam (kconnect/output/): every write to a terminal,
a log or a file goes through its redaction and sanitising. A new output path that writes
directly fails here, with the line to change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kconnect.output.console import safe_text
from kconnect.output.redaction import MASK, clear_secrets, register_secrets

PACKAGE = Path(__file__).resolve().parent.parent / "kconnect"

# Direct writes: print, the process streams, typer/click echo, a Console of its own, a log
# handler of its own, files written or opened for writing.
DIRECT_WRITE = re.compile(
    r"(?<![.\w])print\(|\bsys\.(?:stdout|stderr)\b|\b(?:typer|click)\.(?:echo|secho)\b|\bConsole\("
    r"|\bStreamHandler\(|\bFileHandler\(|\.write_text\(|\.write_bytes\("
    r"|\.show\(\)|\bopen\([^)]*['\"][wax]b?\+?['\"]|\bos\.write\("
)

# Writes that are not output to a person and stay outside the seam, each for a reason.
ALLOWED = {
    # the context file kconnect saves on `context use` holds references, not credentials
    ("kconnect/contexts.py", 'tmp.write_text(text, encoding="utf-8")'),
}


def _direct_writes() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        if relative.startswith("kconnect/output/"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if DIRECT_WRITE.search(code) and (relative, line.strip()) not in ALLOWED:
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_nothing_writes_around_the_seam() -> None:
    assert _direct_writes() == []


def test_the_scan_finds_a_direct_write(tmp_path: Path) -> None:
    # The scan itself must be able to fail: each kind of write it looks for is caught.
    for line in (
        'print("x")',
        "sys.stdout.write(text)",
        "typer.echo(message)",
        "Console(file=f)",
        "path.write_text(body)",
        "open(path, 'w')",
        "logging.StreamHandler(sys.stderr)",
    ):
        assert DIRECT_WRITE.search(line), line
    assert not DIRECT_WRITE.search("console.print(Text(line))")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("title \x1b]0;pwned\x07 end", "title \\x1b]0;pwned\\x07 end"),
        ("\x1b[2Jcleared", "\\x1b[2Jcleared"),
        ("progress 10%\roverwritten", "progress 10%\\x0doverwritten"),
        ("csi \x9b31m c1", "csi \\x9b31m c1"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("line one\r\nline two\ttab", "line one\nline two\ttab"),
    ],
)
def test_terminal_text_is_made_inert(raw: str, shown: str) -> None:
    assert safe_text(raw) == shown


def test_registered_secrets_are_masked_in_every_spelling() -> None:
    secret = 'p"a\\ss-é%[.*]+'
    register_secrets([secret])
    try:
        import json

        for spelling in (secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]):
            assert safe_text(f"before {spelling} after") == f"before {MASK} after"
    finally:
        clear_secrets()
