"""What every command shares: connection options, output format, and the command runner."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from kconnect.cli.runner import Connection as Connection
from kconnect.cli.runner import Done as Done
from kconnect.cli.runner import Output as Output
from kconnect.cli.runner import PlanOutput as PlanOutput
from kconnect.cli.runner import manifest_env as manifest_env
from kconnect.cli.runner import project_for as project_for
from kconnect.cli.runner import register_manifest_secrets as register_manifest_secrets
from kconnect.cli.runner import run_command as run_command
from kconnect.cli.runner import stdin_text as stdin_text
from kconnect.cli.runner import to_data as to_data
from kconnect.cli.selection import checked_names
from kconnect.errors import Aborted, ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.api.client import ConnectClient
    from kconnect.manifests.model import KeyRules


# -- option types, shared so every command spells them the same way ---------------------------

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Connect REST URL [env: KCONNECT_URL; default http://localhost:8083]",
        show_default=False,
    ),
]
ContextOpt = Annotated[
    str | None,
    typer.Option(
        "--context",
        help="Named cluster from the config file [env: KCONNECT_CONTEXT]",
        show_default=False,
    ),
]
CaCertOpt = Annotated[
    str | None,
    typer.Option(
        "--ca-cert", help="CA bundle to verify the worker's TLS certificate", show_default=False
    ),
]
InsecureOpt = Annotated[
    bool, typer.Option("--insecure", help="Do not verify TLS certificates (prints a warning)")
]
VerboseOpt = Annotated[
    int,
    typer.Option(
        "--verbose",
        "-v",
        count=True,
        show_default=False,
        help="-v: retries and re-reads; -vv: every request",
    ),
]


def finite(min: float | None = None, max: float | None = None) -> Callable[[str], float]:
    """A parser for a number option that refuses nan and infinities as well as values out of
    range: `nan` compares false with every bound, so typer's own range lets `--timeout nan`
    through."""

    def number(raw: str | float) -> float:  # its name is the metavar in --help
        try:
            value = float(raw)
        except ValueError:
            raise typer.BadParameter(f"{raw!r} is not a number") from None
        if not math.isfinite(value):
            raise typer.BadParameter(f"{raw!r} is not a finite number")
        if (min is not None and value < min) or (max is not None and value > max):
            bounds = " and ".join(
                b
                for b in (
                    f">= {min:g}" if min is not None else "",
                    f"<= {max:g}" if max is not None else "",
                )
                if b
            )
            raise typer.BadParameter(f"{raw!r} is out of range: it must be {bounds}")
        return value

    return number


UnreachableTimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--unreachable-timeout",
        help="Seconds to keep retrying a worker that does not answer at all before failing "
        "everything left [env: KCONNECT_UNREACHABLE_TIMEOUT; default 20]",
        parser=finite(min=0.1),
        show_default=False,
    ),
]
HeaderOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--header",
        help="Extra HTTP header 'Name: value' for every request (repeatable; a gateway's or "
        "proxy's); credential headers only with --header-env",
        show_default=False,
    ),
]
HeaderEnvOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--header-env",
        help="Extra HTTP header 'Name=VARIABLE' whose value is that environment variable's "
        "(repeatable; masked in all output)",
        show_default=False,
    ),
]
OutputOpt = Annotated[Output, typer.Option("--output", "-o", help="Output format")]
PathsArg = Annotated[
    list[str],
    typer.Argument(
        help="Manifest files or directories (*.yaml, *.yml, recursively); - for stdin",
        metavar="PATH",
        show_default=False,
    ),
]
EnvFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--env-file", help="dotenv file with variables for ${VAR} interpolation", show_default=False
    ),
]
PruneOpt = Annotated[
    bool, typer.Option("--prune", help="Delete connectors that no manifest declares")
]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        help="Parallel writes, fixed, the same for every kind [default: adapts per kind: "
        "starts at 32 creates, updates and deletes, 16 pause/resume/stop and restarts; "
        "halves on 409s, never above 32]",
        min=1,
        max=64,
        show_default=False,
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")]


NameArg = Annotated[
    str, typer.Argument(help="Connector name", show_default=False, callback=checked_names)
]
NamesArg = Annotated[
    list[str],
    typer.Argument(help="Connector names", show_default=False, callback=checked_names),
]
OwnsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--owns",
        help="Connector name glob this repository owns (repeatable; overrides owns: in "
        "kconnect.yaml). Connectors outside it are never touched",
        show_default=False,
    ),
]
TargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        help="Plan and write only connectors matching this glob (repeatable); a target "
        "that matches nothing is an error",
        show_default=False,
    ),
]
MaxDeletesOpt = Annotated[
    int | None,
    typer.Option(
        "--max-deletes",
        help="Safe-plan limit: more deletes than this need --force [default: 10, or "
        "limits.max_deletes in kconnect.yaml]",
        min=0,
        show_default=False,
    ),
]
MaxDeletePercentOpt = Annotated[
    float | None,
    typer.Option(
        "--max-delete-percent",
        help="Safe-plan limit: deleting more than this % of the owned connectors (when at "
        "least 4 exist) needs --force [default: 25]",
        parser=finite(min=0, max=100),
        show_default=False,
    ),
]


_CONNECTION_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("url", UrlOpt, None),
    ("context", ContextOpt, None),
    ("ca_cert", CaCertOpt, None),
    ("insecure", InsecureOpt, False),
    ("verbose", VerboseOpt, 0),
    ("unreachable_timeout", UnreachableTimeoutOpt, None),
    ("header", HeaderOpt, None),
    ("header_env", HeaderEnvOpt, None),
)


def connected(func: Callable[..., int]) -> Callable[..., int]:
    """Give a command the connection options (--url, --context, --ca-cert, --insecure, -v,
    --unreachable-timeout).

    The command declares a `connection: Connection` parameter instead of five options; typer
    sees the five options through the rewritten signature, so every command spells them the
    same way and none repeats them.
    """
    import functools
    import inspect

    # Not typing.get_type_hints: on 3.10 it wraps `X = None` parameters in Optional[...],
    # which hides the Annotated[...] metadata typer reads its options from.
    hints = inspect.get_annotations(func, eval_str=True)
    signature = inspect.signature(func)
    kept = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in signature.parameters.values()
        if p.name != "connection"
    ]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hint)
        for name, hint, default in _CONNECTION_OPTIONS
    ]

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> int:
        options = {name: kwargs.pop(name, default) for name, _, default in _CONNECTION_OPTIONS}
        return func(*args, connection=Connection(**options), **kwargs)

    command.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*kept, *added], return_annotation=int
    )
    command.__annotations__ = {p.name: p.annotation for p in [*kept, *added]} | {"return": int}
    return command


T = TypeVar("T")


def run_with_client(
    command: str,
    output: Enum,
    connection: Connection,
    call: Callable[[ConnectClient], T],
    render: Callable[[T, Console], None],
    *,
    data: Callable[[T], Any] | None = None,
    exit_code: Callable[[T], int] | None = None,
) -> int:
    """The shape of most command bodies: one call with a client to the worker, its result
    rendered as text (`render`) or as the JSON envelope's data (`data`, default the result
    itself); the exit code is 0 unless `exit_code` says otherwise."""

    def body() -> Done:
        with connection.client() as client:
            result = call(client)
        return Done(
            exit_code(result) if exit_code else ExitCode.OK,
            data(result) if data else result,
            lambda console: render(result, console),
        )

    return run_command(command, output, body)


def confirm(question: str, *, yes: bool, what: str) -> None:
    """Ask on a terminal; refuse in a non-interactive run unless `--yes` was given."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise Aborted(f"{what} needs confirmation: re-run with --yes in a non-interactive run")
    if not _ask(question):
        raise Aborted("cancelled; nothing was changed")


def _ask(question: str) -> bool:
    """y/N on stderr, as `typer.confirm` asks; but end of input (Ctrl-D) is a no, where click
    raises the Abort that Ctrl-C raises (reported as "Interrupted.", exit 130). Ctrl-C still
    interrupts."""
    from kconnect.output.console import write_text

    while True:
        write_text(f"{question} [y/N]: ", err=True)
        try:
            line = sys.stdin.readline()
        except KeyboardInterrupt:
            # As click.confirm does: typer would turn a bare KeyboardInterrupt into a silent
            # exit 130; the Abort is reported as "Interrupted." (kconnect.cli.run).
            raise typer.Abort() from None
        if not line:
            write_text("\n", err=True)
            return False
        answer = line.strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        write_text("Error: invalid input\n", err=True)


def project_key_rules() -> KeyRules:
    """kconnect.yaml's `sensitive_keys:` (and `ignore_keys:`) for commands that read only the
    cluster (describe, export): the project file of the current directory."""
    return project_for(["."], None).keys


EXIT = ExitCode
