"""`kconnect context list|use|show`: named clusters (logic in `kconnect.config.contexts` and
`kconnect.config.settings`)."""

from __future__ import annotations

import os
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
            context=name or connection.context or os.environ.get("KCONNECT_CONTEXT"),
        )
        data = _show_data(resolution)
        code = ExitCode.ERROR if resolution.problems else ExitCode.OK
        return Done(code, data, lambda c: _render_show(data, c))

    return run_command("context show", output, body)


def _show_data(resolution: Resolution) -> dict[str, Any]:
    """Display-safe: credentials appear as "set"/"not set", never as values."""
    from kconnect.ops.info import redact_url

    s, origins = resolution.settings, resolution.origins

    def entry(value: Any, key: str) -> dict[str, Any]:
        return {"value": value, "from": origins.get(key, "not set")}

    verify = (
        "disabled" if s.verify is False else "system CA bundle" if s.verify is True else s.verify
    )
    return {
        "context": resolution.context,
        "config": str(resolution.config_path),
        "url": entry(redact_url(s.url), "url"),
        "auth": s.auth_kind,
        "username": entry(s.username, "username"),
        "password": entry("set" if s.password else "not set", "password"),
        "token": entry("set" if s.token else "not set", "token"),
        "tls_verify": entry(verify, "verify"),
        "client_cert": entry(s.client_cert[0] if s.client_cert else None, "client_cert"),
        "client_key": entry(s.client_cert[1] if s.client_cert else None, "client_key"),
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
    for problem in data["problems"]:
        text(console, f"error: {problem}", "red")
