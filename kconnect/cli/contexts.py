"""`kconnect context list|use|show|current|set|remove`: named clusters (logic in
`kconnect.config.contexts`, `kconnect.config.edit` and `kconnect.config.settings`)."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kconnect.cli.app import app
from kconnect.cli.columns import table, text
from kconnect.cli.common import (
    Connection,
    Done,
    Output,
    OutputOpt,
    connected,
    run_command,
)
from kconnect.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.config.settings import Resolution


context_app = typer.Typer(
    help="Named clusters from the config file (~/.config/kconnect/config.yaml or "
    "$KCONNECT_CONFIG).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(context_app, name="context")


@context_app.command("list")
def context_list(output: OutputOpt = Output.text) -> int:
    """List the contexts; * marks the current one."""

    def body() -> Done:
        from kconnect.config.contexts import load_config

        config = load_config(os.environ)
        data = {
            "config": str(config.path),
            "current": config.current,
            "contexts": [c.to_dict() for c in config.contexts.values()],
        }
        return Done(ExitCode.OK, data, lambda c: _render_contexts(data, c))

    return run_command("context list", output, body)


def _render_contexts(data: dict[str, Any], console: Console) -> None:
    if not data["contexts"]:
        text(console, f"No contexts in {data['config']}.")
        return
    rows = [
        (
            "*" if c["name"] == data["current"] else "",
            str(c["name"]),
            str(c["url"] or "-"),
            str(c["auth"]),
        )
        for c in data["contexts"]
    ]
    table(console, ("CURRENT", "NAME", "URL", "AUTH"), rows)


@context_app.command("use")
def context_use(
    name: Annotated[str, typer.Argument(help="Context name", show_default=False)],
    output: OutputOpt = Output.text,
) -> int:
    """Make NAME the current context (edits current-context in the config file)."""

    def body() -> Done:
        from kconnect.config.contexts import use_context

        config = use_context(os.environ, name)
        data = {"config": str(config.path), "current": name}
        return Done(
            ExitCode.OK,
            data,
            lambda c: text(c, f"✓ current context is now {name} ({config.path})", "green"),
        )

    return run_command("context use", output, body)


@context_app.command("current")
def context_current(output: OutputOpt = Output.text) -> int:
    """Print the current context's name (KCONNECT_CONTEXT, else current-context); exit 1 when
    there is none."""

    def body() -> Done:
        from kconnect.config.contexts import load_config
        from kconnect.errors import ConfigError

        config = load_config(os.environ)
        from_env = os.environ.get("KCONNECT_CONTEXT")
        name = from_env or config.current
        if name is None:
            raise ConfigError(
                f"no current context: {config.path} sets no current-context and "
                "KCONNECT_CONTEXT is not set"
            )
        config.get(name)  # a current context that is not defined is an error, as for commands
        origin = "KCONNECT_CONTEXT" if from_env else str(config.path)
        data = {"current": name, "from": origin, "config": str(config.path)}
        return Done(ExitCode.OK, data, lambda c: text(c, name))

    return run_command("context current", output, body)


class AuthKind(str, Enum):
    basic = "basic"
    bearer = "bearer"
    mtls = "mtls"
    none = "none"


def _opt(flag: str, help_text: str) -> Any:
    return typer.Option(flag, help=help_text, show_default=False)


@context_app.command("set")
def context_set(
    name: Annotated[str, typer.Argument(help="Context name", show_default=False)],
    url: Annotated[str, _opt("--url", "Connect REST URL")],
    auth: Annotated[
        AuthKind | None, _opt("--auth", "basic, bearer, mtls or none [default: inferred]")
    ] = None,
    username: Annotated[str | None, _opt("--username", "User for auth: basic")] = None,
    password_env: Annotated[
        str | None, _opt("--password-env", "Environment variable holding the password")
    ] = None,
    password_file: Annotated[
        str | None, _opt("--password-file", "File holding the password")
    ] = None,
    token_env: Annotated[
        str | None, _opt("--token-env", "Environment variable holding the bearer token")
    ] = None,
    token_file: Annotated[str | None, _opt("--token-file", "File holding the bearer token")] = None,
    ca_cert: Annotated[str | None, _opt("--ca-cert", "CA bundle for the worker's TLS")] = None,
    client_cert: Annotated[str | None, _opt("--client-cert", "Client certificate (mTLS)")] = None,
    client_key: Annotated[str | None, _opt("--client-key", "Client key (mTLS)")] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Do not verify TLS certificates")
    ] = False,
    header: Annotated[
        list[str] | None,
        _opt("--header", "Header 'Name: value' sent with every request (repeatable)"),
    ] = None,
    header_env: Annotated[
        list[str] | None,
        _opt("--header-env", "Header 'Name=VARIABLE', its value from that variable (repeatable)"),
    ] = None,
    use: Annotated[bool, typer.Option("--use", help="Also make it the current context")] = False,
    output: OutputOpt = Output.text,
) -> int:
    """Add or replace context NAME in the config file (other contexts untouched; credentials
    only by reference: --password-env/--password-file, --token-env/--token-file)."""

    def body() -> Done:
        from urllib.parse import urlsplit

        from kconnect.config.edit import set_context
        from kconnect.errors import UsageError

        if urlsplit(url).password is not None:
            raise UsageError(
                "--url holds a password in its user info: a credential never goes on the "
                "command line (shell history, `ps`) or inline in the config file; give "
                "--auth basic --username USER --password-env VARIABLE (or --password-file FILE)"
            )
        given: dict[str, object] = {"url": url}
        if auth is not None:
            given["auth"] = auth.value
        for key, value in (
            ("username", username),
            ("password_env", password_env),
            ("password_file", password_file),
            ("token_env", token_env),
            ("token_file", token_file),
            ("ca_cert", _absolute(ca_cert)),
            ("client_cert", _absolute(client_cert)),
            ("client_key", _absolute(client_key)),
        ):
            if value is not None:
                given[key] = value
        if insecure:
            given["insecure"] = True
        from kconnect.config.headers import parse_header_env_flag, parse_header_flag

        sources = [parse_header_flag(h) for h in header or ()]
        sources += [parse_header_env_flag(h) for h in header_env or ()]
        if sources:
            given["headers"] = {
                h.name: h.value if h.value is not None else {"env": h.env} for h in sources
            }
        config, existed = set_context(os.environ, name, given, use=use)
        data = {
            "config": str(config.path),
            "context": config.get(name).to_dict(),
            "replaced": existed,
            "current": config.current,
        }
        verb = "replaced" if existed else "added"
        suffix = "; it is now the current context" if use else ""

        def render(console: Console) -> None:
            text(console, f"✓ context {name} {verb} in {config.path}{suffix}", "green")

        return Done(ExitCode.OK, data, render)

    return run_command("context set", output, body)


def _absolute(path: str | None) -> str | None:
    """A path given on the command line is relative to where the command runs; the file
    resolves relative paths against itself, so it gets the absolute path."""
    return None if path is None else str(Path(path).expanduser().resolve())


@context_app.command("remove")
def context_remove(
    name: Annotated[str, typer.Argument(help="Context name", show_default=False)],
    output: OutputOpt = Output.text,
) -> int:
    """Remove context NAME from the config file (other contexts untouched)."""

    def body() -> Done:
        from kconnect.config.edit import remove_context

        config, was_current = remove_context(os.environ, name)
        data = {"config": str(config.path), "removed": name, "was_current": was_current}

        def render(console: Console) -> None:
            text(console, f"✓ context {name} removed from {config.path}", "green")
            if was_current:
                text(console, "It was the current context: no context is current now.")

        return Done(ExitCode.OK, data, render)

    return run_command("context remove", output, body)


@context_app.command("show")
@connected
def context_show(
    name: Annotated[
        str | None,
        typer.Argument(help="Context (default: the selected one)", show_default=False),
    ] = None,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """The effective connection settings and where each comes from (secrets never shown)."""

    def body() -> Done:
        from kconnect.config.settings import resolve

        resolution = resolve(
            os.environ,
            url=connection.url,
            ca_cert=connection.ca_cert,
            insecure=connection.insecure,
            context=name or connection.selected_context(),
            headers=connection.header_sources(),
        )
        data = _show_data(resolution)
        code = ExitCode.ERROR if resolution.problems else ExitCode.OK
        return Done(code, data, lambda c: _render_show(data, c))

    return run_command("context show", output, body)


def _show_data(resolution: Resolution) -> dict[str, Any]:
    """Display-safe: credentials appear as "set"/"not set", never as values."""
    from kconnect.ops.info import redact_url
    from kconnect.output.redaction import url_user_passwords

    s, origins = resolution.settings, resolution.origins

    def entry(value: Any, key: str) -> dict[str, Any]:
        return {"value": value, "from": origins.get(key, "not set")}

    # `http://user:PASSWORD@host` is sent as Basic auth (when nothing else is set): say so,
    # with the user, rather than "auth: none".
    in_url = url_user_passwords(s.url) if s.auth_kind == "none" else []
    if in_url:
        origin = f"the url's user info ({origins.get('url', 'default')})"
        user = {"value": in_url[0][0], "from": origin}
        password = {"value": "set", "from": origin}
    else:
        user = entry(s.username, "username")
        password = entry("set" if s.password else "not set", "password")

    verify = (
        "disabled" if s.verify is False else "system CA bundle" if s.verify is True else s.verify
    )
    return {
        "context": resolution.context,
        "config": str(resolution.config_path),
        "url": entry(redact_url(s.url), "url"),
        "auth": "basic" if in_url else s.auth_kind,
        "username": user,
        "password": password,
        "token": entry("set" if s.token else "not set", "token"),
        "tls_verify": entry(verify, "verify"),
        "client_cert": entry(s.client_cert[0] if s.client_cert else None, "client_cert"),
        "client_key": entry(s.client_cert[1] if s.client_cert else None, "client_key"),
        "headers": {
            header: entry("set" if header in s.secret_headers else value, f"header {header}")
            for header, value in s.headers
        },
        "problems": list(resolution.problems),
    }


def _render_show(data: dict[str, Any], console: Console) -> None:
    text(console, f"context:     {data['context'] or '(none: flags and environment only)'}")
    text(console, f"config file: {data['config']}")
    text(console, f"auth:        {data['auth']}")
    shown = {"url", "tls_verify"}
    shown |= {"basic": {"username", "password"}, "bearer": {"token"}}.get(data["auth"], set())
    if data["client_cert"]["value"] is not None:
        shown |= {"client_cert", "client_key"}
    for key in ("url", "username", "password", "token", "tls_verify", "client_cert", "client_key"):
        item = data[key]
        if key not in shown and item["from"] == "not set":
            continue
        origin = "" if item["from"] == "not set" else f"  (from {item['from']})"
        text(console, f"{key + ':':<12} {item['value'] or '-'}{origin}")
    for header, item in data["headers"].items():
        text(console, f"header:      {header}: {item['value']}  (from {item['from']})")
    for problem in data["problems"]:
        text(console, f"error: {problem}", "red")
