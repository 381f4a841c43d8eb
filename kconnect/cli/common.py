"""What every command shares: connection options, output format, and the command runner."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from kconnect.cli.selection import checked_names
from kconnect.errors import Aborted, ExitCode, KconnectError

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.api.client import ConnectClient
    from kconnect.config.headers import HeaderSource
    from kconnect.manifests.model import KeyRules
    from kconnect.planning.project import Project


class Output(str, Enum):
    text = "text"
    json = "json"


class PlanOutput(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


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


@dataclass(frozen=True)
class Connection:
    url: str | None = None
    context: str | None = None
    ca_cert: str | None = None
    insecure: bool = False
    verbose: int = 0
    unreachable_timeout: float | None = None
    header: list[str] | None = None
    header_env: list[str] | None = None

    def header_sources(self) -> list[HeaderSource]:
        """--header and --header-env, checked (a credential as a literal flag is refused)."""
        from kconnect.config.headers import parse_header_env_flag, parse_header_flag

        return [parse_header_flag(h) for h in self.header or ()] + [
            parse_header_env_flag(h) for h in self.header_env or ()
        ]

    def selected_context(self) -> str | None:
        """`--context`, else `KCONNECT_CONTEXT`, else None (the file's current-context). An
        empty one (an unset CI variable in `--context "$CTX"`) is an error: falling back to
        the current context could reach another cluster."""
        from kconnect.errors import ConfigError, UsageError

        if self.context is not None:
            if not self.context.strip():
                raise UsageError(
                    '--context is empty (an unset variable in --context "$VAR"?): name a '
                    "context of the config file (`kconnect context list`)"
                )
            return self.context
        from_env = os.environ.get("KCONNECT_CONTEXT")
        if from_env is not None and not from_env.strip():
            raise ConfigError(
                "KCONNECT_CONTEXT is set but empty: name a context of the config file, or "
                "unset it to use its current-context"
            )
        return from_env

    def client(self, *, patient: bool = False) -> ConnectClient:
        """A client for the selected cluster; its credentials are registered as secrets.
        `patient`: no quick failure on first contact (a loop outlives a worker's restart)."""
        import dataclasses

        from kconnect.api.client import ConnectClient
        from kconnect.config.settings import proxy_secret_values, resolve_client_settings
        from kconnect.output.console import configure_logging, console
        from kconnect.output.redaction import register_secrets

        configure_logging(self.verbose)
        register_secrets(proxy_secret_values(os.environ))  # before any message may quote one
        settings = resolve_client_settings(
            os.environ,
            url=self.url,
            ca_cert=self.ca_cert,
            insecure=self.insecure,
            context=self.selected_context(),
            unreachable_timeout=self.unreachable_timeout,
            headers=self.header_sources(),
        )
        if patient:
            retry = dataclasses.replace(settings.retry, first_contact_timeout=None)
            settings = dataclasses.replace(settings, retry=retry)
        register_secrets(settings.secret_values())
        if settings.verify is False:
            console(err=True).print(
                f"warning: TLS certificate verification is disabled for {settings.url}",
                style="yellow",
                markup=False,
            )
        return ConnectClient(settings)


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


def manifest_env(env_file: Path | None) -> dict[str, str]:
    """Variables for `${VAR}`: the env file's, overridden by the process environment (as
    docker compose does, so a CI secret always beats a checked-in default)."""
    from kconnect.manifests.interpolate import read_env_file

    values = read_env_file(env_file) if env_file else {}
    values.update(os.environ)
    return values


def stdin_text(paths: list[str]) -> str | bytes | None:
    """What `-` reads, as bytes when stdin has them: decoded (and any error reported at its
    line) like a file's, never a traceback."""
    if "-" not in paths:
        return None
    return sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()


@dataclass(frozen=True)
class Done:
    """What a command body hands back: its exit code, its data, and how to show it."""

    exit_code: int
    data: Any = None
    render: Callable[[Console], None] | None = None
    raw_text: str | None = None  # printed as-is instead of rendering (e.g. Markdown)
    status: str | None = None  # the JSON envelope's status, when not the exit code's word


def to_data(data: Any) -> Any:
    if hasattr(data, "to_dict"):
        return data.to_dict()
    return data


def run_command(command: str, output: Enum, body: Callable[[], Done]) -> int:
    """Run a command body; render its result or its error in the chosen format."""
    from kconnect.cli.render import envelope, render_error
    from kconnect.output.console import console, write_json

    as_json = output.value == "json"
    try:
        done = body()
    except KconnectError as exc:
        if as_json:
            write_json(envelope(command, exc.exit_code, None, [exc]))
        else:
            render_error(exc, console(err=True))
        return int(exc.exit_code)
    if as_json:
        write_json(envelope(command, done.exit_code, to_data(done.data), status=done.status))
    elif done.raw_text is not None:
        from kconnect.output.console import write_text

        write_text(done.raw_text)
    elif done.render is not None:
        done.render(console())
    return int(done.exit_code)


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
    if not typer.confirm(question, default=False, err=True):
        raise Aborted("cancelled; nothing was changed")


def project_for(
    paths: list[str],
    owns: list[str] | None,
    max_deletes: int | None = None,
    max_delete_percent: float | None = None,
) -> Project:
    """The ownership scope and safe-plan limits: kconnect.yaml, overridden by the flags."""
    from kconnect.planning.project import resolve_project

    return resolve_project(
        paths,
        owns=owns or None,
        max_deletes=max_deletes,
        max_delete_percent=max_delete_percent,
    )


def project_key_rules() -> KeyRules:
    """kconnect.yaml's `sensitive_keys:` (and `ignore_keys:`) for commands that read only the
    cluster (describe, export): the project file of the current directory."""
    return project_for(["."], None).keys


def register_manifest_secrets(
    configs: list[Mapping[str, str]], sensitive_keys: Collection[str] = ()
) -> None:
    """Register the secret values of `configs` (PASSWORD-typed and secret-looking keys, URL
    passwords, and `sensitive_keys`) so that no output can show them."""
    from kconnect.core import secret_values
    from kconnect.output.redaction import register_password_keys, register_secrets

    register_secrets(secret_values(configs, sensitive_keys))
    register_password_keys(sensitive_keys)


EXIT = ExitCode
