"""`validate`, `plan`, `pause`, `resume` and `stop` without typer: the commands people run by
hand and in pre-commit hooks, and the bulk state changes a script runs on many connectors.

typer and click cost several times Python's own start-up before a command does anything. This
parser reads the common command lines of `validate`, `plan`, `diff`, `pause`, `resume` and
`stop` from the table below and runs the very same command bodies as the typer commands
(kconnect.cli.manifest_bodies, kconnect.cli.state_bodies). Whatever it does not fully
understand -- an option not in the table, `--help`, a missing or repeated value, a number typer
would refuse or read differently, a connector name typer would refuse, `--`, an option before
the command -- it leaves to typer (`None`), which parses it and reports any usage error as
always. It never guesses.

tests/test_fast_path.py keeps the table true to the typer commands (each option's flags, kind,
default and choices) and runs a matrix of command lines through both paths, comparing stdout,
stderr and exit code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple

from kconnect.cli.runner import Connection, Done, Output, PlanOutput, run_command

# The commands whose arguments are connector names, all optional (`--match` may select them).
STATE_COMMANDS = ("pause", "resume", "stop")


class Opt(NamedTuple):
    """One option as the typer command declares it: its flags, the command function's
    parameter it fills, and its kind -- `flag` (a bool), `count` (-v, -vv), `text` (one
    value), `path` (one value, a Path), `many` (repeatable values, a list), `choice` (one of
    `choices`, the command's output enum), `int` (whole number from `low` to `high`),
    `number` (finite number, at least `low`). `default`: what typer passes when it is not
    given, where that is not the kind's own (False, 0 or None)."""

    flags: tuple[str, ...]
    param: str
    kind: str
    choices: type[Enum] | None = None
    low: float | None = None
    high: float | None = None
    default: Any = None


_SHARED = (
    Opt(("--online",), "online", "flag"),
    Opt(("--owns",), "owns", "many"),
    Opt(("--env-file",), "env_file", "path"),
)
# Connection options of the commands that connect (`connected`), as `Connection` fields.
_CONNECTION = (
    Opt(("--url",), "url", "text"),
    Opt(("--context",), "context", "text"),
    Opt(("--verbose", "-v"), "verbose", "count"),
)

OPTIONS: dict[str, tuple[Opt, ...]] = {
    "validate": (
        *_SHARED,
        Opt(("--output", "-o"), "output", "choice", Output),
        Opt(("--strict",), "strict", "flag"),
        Opt(("--catalog",), "catalog", "text"),
    ),
    "plan": (
        *_SHARED,
        *_CONNECTION,
        Opt(("--output", "-o"), "output", "choice", PlanOutput),
        Opt(("--prune",), "prune", "flag"),
        Opt(("--detailed-exitcode",), "detailed_exitcode", "flag"),
        Opt(("--target",), "target", "many"),
        Opt(("--out",), "out", "path"),
    ),
}
OPTIONS["diff"] = OPTIONS["plan"]
for _action in STATE_COMMANDS:
    OPTIONS[_action] = (
        *_CONNECTION,
        Opt(("--output", "-o"), "output", "choice", Output),
        Opt(("--match",), "match", "many"),
        Opt(("--owns",), "owns", "many"),
        Opt(("--wait",), "wait", "flag"),
        Opt(("--timeout",), "timeout", "number", low=0, default=60.0),
        Opt(("--concurrency",), "concurrency", "int", low=1, high=64),
    )
_CONNECTION_FIELDS = {o.param for o in _CONNECTION}

# What typer's command passes for an option not given: False, 0 or None, or the option's own
# `default`; the output format's first member ("text"). tests/test_fast_path.py checks these
# against the typer commands.
_DEFAULTS = {
    "flag": False,
    "count": 0,
    "text": None,
    "path": None,
    "many": None,
    "int": None,
    "number": None,
}


class _NotMine(Exception):
    """A command line for typer to parse."""


def parse(args: Sequence[str]) -> tuple[str, list[str], dict[str, Any]] | None:
    """(command, paths or connector names, options by parameter) for a command line this
    parser fully understands, else None."""
    if not args or args[0] not in OPTIONS:
        return None
    names = args[0] in STATE_COMMANDS
    try:
        positional, options = _parse(OPTIONS[args[0]], list(args[1:]), required=not names)
    except _NotMine:
        return None
    if names:
        from kconnect.cli.named import name_problem

        if name_problem(positional):
            return None  # typer's usage error names it
    return args[0], positional, options


def _parse(
    table: tuple[Opt, ...], args: list[str], *, required: bool = True
) -> tuple[list[str], dict[str, Any]]:
    by_flag = {flag: opt for opt in table for flag in opt.flags}
    values: dict[str, Any] = {}
    paths: list[str] = []
    while args:
        token = args.pop(0)
        if token == "-" or not token.startswith("-"):
            paths.append(token)
            continue
        flag, attached = _split(token, by_flag)
        opt = by_flag[flag]
        if opt.kind == "count":
            values[opt.param] = values.get(opt.param, 0) + (attached or 1)
            continue
        if opt.kind == "flag":
            if attached is not None or opt.param in values:
                raise _NotMine
            values[opt.param] = True
            continue
        raw = attached if attached is not None else (args.pop(0) if args else None)
        if not isinstance(raw, str) or raw == "" or raw.startswith("-"):
            raise _NotMine  # a missing value, or one click might read differently
        if opt.kind == "many":
            values.setdefault(opt.param, []).append(raw)
            continue
        if opt.param in values:
            raise _NotMine  # given twice: click's last-wins is typer's to apply
        values[opt.param] = _convert(opt, raw)
    if required and not paths:
        raise _NotMine  # typer names the missing argument
    for opt in table:
        values.setdefault(opt.param, _default(opt))
    return paths, values


def _split(token: str, by_flag: dict[str, Opt]) -> tuple[str, Any]:
    """The flag of `token` and its attached value (`--output=json`, `-ojson`, the count of
    `-vv`), or `_NotMine`."""
    if token.startswith("--"):
        flag, equals, value = token.partition("=")
        if flag not in by_flag or (equals and by_flag[flag].kind in ("flag", "count")):
            raise _NotMine
        return flag, (value if equals else None)
    short = token[:2]
    if short not in by_flag:
        raise _NotMine
    rest = token[2:]
    if not rest:
        return short, None
    if by_flag[short].kind == "count" and rest == short[1] * len(rest):
        return short, len(rest) + 1
    if by_flag[short].kind == "choice":
        return short, rest
    raise _NotMine


def _convert(opt: Opt, raw: str) -> Any:
    if opt.kind == "path":
        return Path(raw)
    if opt.kind == "int":
        # Plain digits only: click's int() also reads " 5", "+5" and "1_0"; typer may have those.
        if not (raw.isascii() and raw.isdigit()):
            raise _NotMine
        return _within(opt, int(raw))
    if opt.kind == "number":
        try:
            number = float(raw)  # what the typer option's parser (common.finite) reads
        except ValueError:
            raise _NotMine from None
        if not math.isfinite(number):
            raise _NotMine
        return _within(opt, number)
    if opt.kind == "choice":
        assert opt.choices is not None
        if raw not in opt.choices._value2member_map_:
            raise _NotMine  # typer's usage error lists the choices
        return opt.choices(raw)
    return raw


def _within(opt: Opt, value: float) -> Any:
    if (opt.low is not None and value < opt.low) or (opt.high is not None and value > opt.high):
        raise _NotMine  # typer's usage error gives the range
    return value


def _default(opt: Opt) -> Any:
    if opt.choices is not None:
        return next(iter(opt.choices))
    if opt.default is not None:
        return opt.default
    return _DEFAULTS[opt.kind]


def _validate(paths: list[str], options: dict[str, Any], connection: Connection) -> Done:
    from kconnect.cli.manifest_bodies import validate_body

    kept = {k: v for k, v in options.items() if k != "output"}  # run_command's, not the body's
    return validate_body(paths, connection=connection, **kept)


def _plan(paths: list[str], options: dict[str, Any], connection: Connection) -> Done:
    from kconnect.cli.manifest_bodies import plan_body

    return plan_body(
        paths, max_deletes=None, max_delete_percent=None, connection=connection, **options
    )


def _state(action: str) -> Callable[[list[str], dict[str, Any], Connection], Done]:
    def body(names: list[str], options: dict[str, Any], connection: Connection) -> Done:
        from kconnect.cli.state_bodies import state_body

        return state_body(action, names, connection=connection, **options)

    return body


_BODIES: dict[str, tuple[str, Callable[[list[str], dict[str, Any], Connection], Done]]] = {
    "validate": ("validate", _validate),
    "plan": ("plan", _plan),
    "diff": ("plan", _plan),
    **{action: (action, _state(action)) for action in STATE_COMMANDS},
}


def fast_run(args: Sequence[str]) -> int | None:
    """Run `args` if this parser fully understands them; None to leave them to typer."""
    parsed = parse(args)
    if parsed is None:
        return None
    command, paths, options = parsed
    connection = Connection(**{k: options.pop(k) for k in _CONNECTION_FIELDS if k in options})
    name, body = _BODIES[command]
    output = options["output"]
    return run_command(name, output, lambda: body(paths, options, connection))
