"""What the worker would store and address as written.

A name the worker would change (it trims spaces on create) or could not address over REST
(`/`, `%`, `\\` are rejected by Jetty 12 once encoded; `.`/`..` are dot segments that HTTP
clients remove) must be rejected before anything is sent: a connector created under such a
name could never be updated or deleted, or would be re-created and pruned on every run.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# `\s` on a str pattern is exactly `str.isspace()` (Unicode whitespace), in one C scan.
_WHITESPACE = re.compile(r"\s")
# Jetty 12 (Connect 4.x) answers an HTML 400 for these once percent-encoded (%2F "Ambiguous
# URI path separator", %25 "Ambiguous URI encoding", %5C "Suspicious path character"), so the
# connector could be created but never read, updated or deleted again.
_UNADDRESSABLE = {"/": "'/'", "%": "'%'", "\\": "'\\'"}
# Jetty's request-header limit is 8 KiB; /connectors/<name>/tasks/0/restart plus headers
# must fit, so the URL-encoded name is capped well below it.
MAX_ENCODED_NAME = 4000


# Characters that show as nothing, or reorder what follows them (a right-to-left override):
# a name holding one looks like another name wherever it is shown. Format characters (Cf:
# zero-width space and joiners, bidi controls, the BOM, the soft hyphen), line and paragraph
# separators, unassigned, private-use and surrogate code points, and the fillers that
# render blank.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zl", "Zp", "Co", "Cn", "Cs"})
_BLANK_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


def invisible_character(name: str) -> str | None:
    """The first character of `name` that is invisible or changes text direction, shown as
    `U+200B (ZERO WIDTH SPACE)`; None when there is none."""
    for char in name:
        if char.isascii():
            continue
        category = unicodedata.category(char)
        if (
            category in _INVISIBLE_CATEGORIES
            or char in _BLANK_FILLERS
            or (category == "Zs" and char != " ")
        ):
            label = unicodedata.name(char, "unnamed character")
            return f"U+{ord(char):04X} ({label})"
    return None


def normalized_name(name: str) -> str:
    """The form two names that look alike share (`café` written with one or two code points)."""
    return unicodedata.normalize("NFC", name)


def validate_connector_name(name: str, *, lookalikes: bool = True) -> str | None:
    """Why `name` cannot be a connector name, or None when it can.

    With `lookalikes` (a name to be created), invisible and direction-changing characters are
    refused too; a name given to address an existing connector may hold them, since another
    tool may have created it."""
    if not name.strip():
        return "connector name must not be empty"
    if _CONTROL_CHARS.search(name):
        return f"connector name {name!r} contains control characters"
    if name != name.strip():
        if name.strip(" ") != name:
            why = f"the worker trims spaces on create and would store {name.strip(' ')!r}"
        else:
            why = "the whitespace is invisible wherever the name is shown"
        return f"connector name {name!r} has leading or trailing whitespace; {why}"
    if lookalikes and (char := invisible_character(name)):
        return (
            f"connector name {name!r} contains {char}, which is invisible or changes the "
            "direction of the text: the name would look like another one wherever it is shown"
        )
    if name in (".", ".."):
        return (
            f"connector name {name!r} is a URL dot segment: /connectors/{name} is rewritten "
            "before it reaches the worker, so the connector could not be addressed"
        )
    for char, shown in _UNADDRESSABLE.items():
        if char in name:
            return (
                f"connector name {name!r} contains {shown}, which Connect 4.x cannot address "
                "over REST"
            )
    if (size := len(quote(name, safe=""))) > MAX_ENCODED_NAME:
        return (
            f"connector name is {size} characters long once URL-encoded; the worker cannot "
            f"address names above {MAX_ENCODED_NAME}"
        )
    return None


def connector_class_problem(value: str) -> str | None:
    """Why `value` cannot be a `connector.class`, or None when it can."""
    if not value.strip():
        return "connector.class must not be empty"
    if value != value.strip():
        return (
            f"connector.class {value!r} has leading or trailing whitespace (a '|' block adds "
            "a trailing newline; use a plain scalar); the worker would not find the plugin"
        )
    if _CONTROL_CHARS.search(value) or _WHITESPACE.search(value):
        return f"connector.class {value!r} contains whitespace or control characters"
    return None
