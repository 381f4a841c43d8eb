"""What running a command needs, without typer: the output formats, the connection options'
values, the command runner and the manifest helpers.

Kept free of typer (and of rich until something is shown with styles) so that the fast path
of `validate` and `plan` (kconnect.cli.fast) runs the very same command bodies as the typer
commands, which take their options from `kconnect.cli.common`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection, Mapping
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from kconnect.errors import KconnectError

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient
    from kconnect.config.headers import HeaderSource
    from kconnect.planning.project import Project


class Output(str, Enum):
    text = "text"
    json = "json"


class PlanOutput(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class Connection(NamedTuple):
    """How to reach the worker, as the command line and environment say."""

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
        from kconnect.api.client import ConnectClient
        from kconnect.config.settings import proxy_secret_values, resolve_client_settings
        from kconnect.output.console import configure_logging, console
        from kconnect.output.redaction import register_secrets
        from kconnect.records import replace

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
            retry = replace(settings.retry, first_contact_timeout=None)
            settings = replace(settings, retry=retry)
        register_secrets(settings.secret_values())
        if settings.verify is False:
            console(err=True).print(
                f"warning: TLS certificate verification is disabled for {settings.url}",
                style="yellow",
                markup=False,
            )
        return ConnectClient(settings)


def manifest_env(env_file: Path | None) -> dict[str, str]:
    """Variables for `${VAR}`: the env file's, overridden by the process environment (as
    docker compose does, so a CI secret always beats a checked-in default)."""
    values: dict[str, str] = {}
    if env_file:  # the interpolation module loads only for an env file or a `${` in a value
        from kconnect.manifests.interpolate import read_env_file

        values = read_env_file(env_file)
    values.update(os.environ)
    return values


def stdin_text(paths: list[str]) -> str | bytes | None:
    """What `-` reads, as bytes when stdin has them: decoded (and any error reported at its
    line) like a file's, never a traceback."""
    if "-" not in paths:
        return None
    return sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()


class Done(NamedTuple):
    """What a command body hands back: its exit code, its data, and how to show it."""

    exit_code: int
    data: Any = None
    render: Callable[[Any], None] | None = None  # given a rich or a plain console
    raw_text: str | None = None  # printed as-is instead of rendering (e.g. Markdown)
    status: str | None = None  # the JSON envelope's status, when not the exit code's word


def to_data(data: Any) -> Any:
    if hasattr(data, "to_dict"):
        return data.to_dict()
    return data


def run_command(command: str, output: Enum, body: Callable[[], Done]) -> int:
    """Run a command body; render its result or its error in the chosen format."""
    from kconnect.cli.render import envelope, render_error
    from kconnect.output.console import text_console, write_json

    as_json = output.value == "json"
    try:
        done = body()
    except KconnectError as exc:
        if as_json:
            write_json(envelope(command, exc.exit_code, None, [exc]))
        else:
            render_error(exc, text_console(err=True))
        return int(exc.exit_code)
    if as_json:
        write_json(envelope(command, done.exit_code, to_data(done.data), status=done.status))
    elif done.raw_text is not None:
        from kconnect.output.console import write_text

        write_text(done.raw_text)
    elif done.render is not None:
        done.render(text_console())
    return int(done.exit_code)


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


def register_manifest_secrets(
    configs: list[Mapping[str, str]], sensitive_keys: Collection[str] = ()
) -> None:
    """Register the secret values of `configs` (PASSWORD-typed and secret-looking keys, URL
    passwords, and `sensitive_keys`) so that no output can show them."""
    from kconnect.core import secret_values
    from kconnect.output.redaction import register_password_keys, register_secrets

    register_secrets(secret_values(configs, sensitive_keys))
    register_password_keys(sensitive_keys)
