"""Client-side `${VAR}` interpolation, leaving Connect ConfigProvider references alone.

`${VAR}`, `${VAR:-default}` and `${VAR:?message}` are resolved from the environment;
`$${` writes a literal `${`. Defaults may nest (`${A:-${B:-x}}`) and are expanded only when
used. `${provider:...}` (a provider name followed by `:` that is not `:-`/`:?`) is a reference
the worker resolves, so it passes through unchanged. Any other `${` (unterminated, `${}`,
`${1FOO}`) is an error: half-interpolated text is never sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from kconnect.errors import KconnectError
from kconnect.records import record

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# `${provider:[path:]key}`: Kafka's ConfigTransformer resolves these on the worker. Provider
# names come from the worker's `config.providers` list, so they may carry `-` and `.`.
_PROVIDER = re.compile(r"[A-Za-z0-9_.-]+:")

_ESCAPES = {"n": "\n", "\\": "\\", '"': '"'}


class InterpolationError(KconnectError):
    """An unset variable without a default, `${VAR:?message}` with VAR unset, or a `${`
    that is not a well-formed reference (never sent half-interpolated)."""


@record
class Interpolated:
    text: str
    used_variables: bool


@record
class _Var:
    name: str
    op: str | None
    default: tuple[_Piece, ...]


_Piece = str | _Var  # literal text (provider references included) or a variable


def interpolate(text: str, env: Mapping[str, str]) -> Interpolated:
    if "${" not in text:  # nothing to expand or unescape: most values (thousands per plan)
        return Interpolated(text, False)
    pieces, end = _parse(text, 0, nested=False)
    assert end == len(text)
    used = False

    def evaluate(parts: tuple[_Piece, ...]) -> str:
        nonlocal used
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            used = True
            value = env.get(part.name)
            # `:-`/`:?` treat an empty value like an unset one (as POSIX shells do); `-`/`?`
            # do not. A default is expanded only when it is used, as in a shell.
            unset = value is None or (part.op in (":-", ":?") and value == "")
            if not unset:
                out.append(value or "")
            elif part.op in (":-", "-"):
                out.append(evaluate(part.default))
            elif part.op in (":?", "?"):
                raise InterpolationError(f"{part.name}: {evaluate(part.default) or 'is not set'}")
            else:
                raise InterpolationError(
                    f"environment variable {part.name} is not set "
                    f"(use ${{{part.name}:-default}} for a default)"
                )
        return "".join(out)

    return Interpolated(evaluate(tuple(pieces)), used)


def _parse(text: str, pos: int, *, nested: bool) -> tuple[list[_Piece], int]:
    """Pieces from `pos` up to the end, or (when `nested`) up to the `}` closing a default."""
    pieces: list[_Piece] = []
    literal: list[str] = []
    while pos < len(text):
        if nested and text[pos] == "}":
            break
        if text.startswith("$${", pos):
            literal.append("${")
            pos += 3
        elif text.startswith("${", pos):
            piece, pos = _braced(text, pos)
            if isinstance(piece, str):
                literal.append(piece)
            else:
                pieces.extend(["".join(literal), piece])
                literal = []
        else:
            literal.append(text[pos])
            pos += 1
    pieces.append("".join(literal))
    return [p for p in pieces if p != ""], pos


def _braced(text: str, start: int) -> tuple[_Piece, int]:
    """The `${…}` at `start`: a variable, or a provider reference kept as written."""
    inner = start + 2
    close = text.find("}", inner)
    where = f"at column {start + 1}"
    if close < 0:
        raise InterpolationError(f"unterminated '${{' {where} (write $${{ for a literal ${{)")
    name = _NAME.match(text, inner)
    after = name.end() if name else inner
    op = next((o for o in (":-", ":?", "-", "?") if text.startswith(o, after)), None)
    if name and op:
        default, end = _parse(text, after + len(op), nested=True)
        if end >= len(text):
            raise InterpolationError(
                f"unterminated '${{{name.group()}{op}' {where} (write $${{ for a literal ${{)"
            )
        return _Var(name.group(), op, tuple(default)), end + 1
    if name and after == close:
        return _Var(name.group(), None, ()), close + 1
    if _PROVIDER.match(text, inner):
        return text[start : close + 1], close + 1
    if close == inner:
        raise InterpolationError(f"empty '${{}}' {where} (write $${{}} for a literal ${{}})")
    raise InterpolationError(
        f"invalid variable name {text[inner:close]!r} in '${{…}}' {where}: a name is letters, "
        "digits and '_', not starting with a digit (write $${ for a literal ${)"
    )


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a dotenv file: `KEY=value`, optional `export `, quotes, `#` comments."""
    from kconnect.manifests.text import TextProblem, decode

    try:
        lines = decode(path.read_bytes()).splitlines()
    except OSError as exc:
        raise KconnectError(f"{path}: cannot read env file: {exc.strerror}") from None
    except TextProblem as exc:
        raise KconnectError(f"{path}:{exc.line}: env file: {exc.message}") from None
    result: dict[str, str] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise KconnectError(f"{path}:{number}: expected KEY=value")
        try:
            result[key] = _env_value(value.strip())
        except ValueError as exc:
            raise KconnectError(f"{path}:{number}: {key}: {exc}") from None
    return result


def _env_value(value: str) -> str:
    """One value of an env file: quoted (`"…"` with `\\n`, `\\\\`, `\\"` escapes, or `'…'`
    as written) or bare (up to a ` #` comment). What cannot be meant as written is an error
    rather than text sent to the worker: an unclosed quote, text after the closing quote, an
    unclosed `${`."""
    if value[:1] in ("'", '"'):
        quote = value[0]
        end, i = -1, 1
        while i < len(value):
            if quote == '"' and value[i] == "\\":
                i += 2
                continue
            if value[i] == quote:
                end = i
                break
            i += 1
        if end < 0:
            kind = "double" if quote == '"' else "single"
            raise ValueError(
                f"unterminated {kind} quote ({quote}): values are one line; close the quote"
            )
        rest = value[end + 1 :]
        if rest.strip() and not re.match(r"\s+#", rest):
            # not quoted: an env file holds secrets
            raise ValueError("unexpected text after the closing quote")
        inner = value[1:end]
        if quote == "'":
            return inner
        value = re.sub(r"\\([n\\\"])", lambda m: _ESCAPES[m.group(1)], inner)
    else:
        value = re.sub(r"(?<!\s)\s+#.*$", "", value)
    if (start := _unclosed_reference(value)) is not None:
        raise ValueError(
            f"unterminated '${{' at column {start + 1} (single-quote the value for a literal ${{)"
        )
    return value


def _unclosed_reference(value: str) -> int | None:
    """Where a `${` that no `}` closes starts, or None."""
    i = value.find("${")
    while i >= 0:
        close = value.find("}", i + 2)
        if close < 0:
            return i
        i = value.find("${", close + 1)
    return None
