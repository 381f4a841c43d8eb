"""Client-side `${VAR}` interpolation, leaving Connect ConfigProvider references alone.

`${VAR}`, `${VAR:-default}` and `${VAR:?message}` are resolved from the environment;
`$${` writes a literal `${`. `${provider:...}` (an identifier followed by `:` that is not
`:-`/`:?`) is a reference the worker resolves, so it passes through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kconnect.errors import KconnectError

_TOKEN = re.compile(
    r"\$\$\{"  # escaped literal
    r"|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|:\?|-|\?)(?P<arg>[^}]*))?\}"
)


_ESCAPES = {"n": "\n", "\\": "\\", '"': '"'}


class InterpolationError(KconnectError):
    """An unset variable without a default, or `${VAR:?message}` with VAR unset."""


@dataclass(frozen=True)
class Interpolated:
    text: str
    used_variables: bool


def interpolate(text: str, env: Mapping[str, str]) -> Interpolated:
    used = False

    def replace(match: re.Match[str]) -> str:
        nonlocal used
        if match.group(0) == "$${":
            return "${"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        used = True
        value = env.get(name)
        # `:-`/`:?` treat an empty value like an unset one (as POSIX shells do); `-`/`?` do not.
        unset = value is None or (op in (":-", ":?") and value == "")
        if not unset:
            return value or ""
        if op in (":-", "-"):
            return arg or ""
        if op in (":?", "?"):
            raise InterpolationError(f"{name}: {arg or 'is not set'}")
        raise InterpolationError(
            f"environment variable {name} is not set (use ${{{name}:-default}} for a default)"
        )

    return Interpolated(_TOKEN.sub(replace, text), used)


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a dotenv file: `KEY=value`, optional `export `, quotes, `#` comments."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KconnectError(f"{path}: cannot read env file: {exc.strerror}") from None
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
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = re.sub(r"\\([n\\\"])", lambda m: _ESCAPES[m.group(1)], value)
        else:
            value = re.sub(r"\s+#.*$", "", value)
        result[key] = value
    return result
