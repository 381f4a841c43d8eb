"""Text that did not come from kconnect (worker messages, traces, connector and file names) must
not drive the terminal: an `ESC]0;…BEL` retitles the window, `ESC[2J` clears it, a bare CR
overwrites the line before it, a bidi override reorders what the reader sees.

Every control character is shown escaped (`\\x1b`, `\\x07`, `\\u202e`) instead of removed, so
the text stays diagnosable and the sequence stays inert. Newlines and tabs are layout and stay.
"""

from __future__ import annotations

import re

# C0 controls except TAB and LF, DEL, C1 controls, and the Unicode format characters that
# reorder or hide text (bidi embeddings/overrides/isolates, line/paragraph separators).
_UNSAFE = re.compile("\r\n|[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "\r\n":
        return "\n"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def sanitize(text: str) -> str:
    """`text` with every control character and escape sequence made visible and inert."""
    return _UNSAFE.sub(_escape, text)


def sanitize_line(text: str) -> str:
    """Like `sanitize`, for a value shown on one line (a name, a path): newlines escaped too."""
    return sanitize(text).replace("\n", "\\n").replace("\t", "\\t")


# JSON keeps non-ASCII readable (`ensure_ascii=False`); the characters a terminal would act
# on — which json.dumps leaves raw above U+001F — are written as \u escapes, still valid JSON.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_json_text(serialised: str) -> str:
    """Serialised JSON with DEL, C1 and bidi controls as `\\uXXXX` (they occur only in strings)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", serialised)
