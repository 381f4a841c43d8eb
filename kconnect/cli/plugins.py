"""`kconnect plugins`, `plugins describe` and `plugins snapshot` (logic in `kconnect.ops.plugins`
and `kconnect.validate.snapshot`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kconnect.cli.app import app
from kconnect.cli.columns import table
from kconnect.cli.common import (
    Connection,
    Output,
    OutputOpt,
    connected,
    run_with_client,
)
from kconnect.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.api.client import ConnectClient
    from kconnect.ops.plugins import PluginDescription
    from kconnect.validate.snapshot import SnapshotResult


plugins_app = typer.Typer(
    help="List installed plugins, or describe one plugin's configuration.",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(plugins_app, name="plugins")


@plugins_app.callback()
@connected
def plugins(
    ctx: typer.Context,
    include_all: Annotated[
        bool,
        typer.Option("--all", help="Also transforms, predicates and converters (Connect 3.2+)"),
    ] = False,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """List installed connector plugins (all plugin types with --all)."""
    if ctx.invoked_subcommand is not None:
        return ExitCode.OK  # the subcommand's exit code is the one that counts

    def call(client: ConnectClient) -> list[dict[str, Any]]:
        from kconnect.ops.plugins import list_plugins

        return list_plugins(client, include_all=include_all)

    return run_with_client(
        "plugins", output, connection, call, _render_plugins, data=lambda rows: {"plugins": rows}
    )


def _render_plugins(rows: list[dict[str, Any]], console: Console) -> None:
    cells = [(r["type"] or "-", r["class"] or "-", r["version"] or "-") for r in rows]
    table(console, ("TYPE", "CLASS", "VERSION"), cells)


@plugins_app.command("snapshot")
@connected
def plugins_snapshot(
    out: Annotated[
        str,
        typer.Option("--out", metavar="DIR", help="Where to write the catalogs (commit it)"),
    ] = ".kconnect/plugins",
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Write the cluster's plugin catalogs (every key, with versions) for offline validate."""

    def call(client: ConnectClient) -> SnapshotResult:
        from kconnect.validate.snapshot import take_snapshot

        return take_snapshot(client, Path(out))

    def render(result: SnapshotResult, console: Console) -> None:
        console.print(f"wrote {len(result.plugins)} plugin catalog(s) to {result.folder}")

    return run_with_client("plugins snapshot", output, connection, call, render)


@plugins_app.command("describe")
@connected
def plugins_describe(
    plugin: Annotated[
        str,
        typer.Argument(help="Plugin class or alias (e.g. FileStreamSource)", show_default=False),
    ],
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """A plugin's config definitions: name, type, default, importance, required."""

    def call(client: ConnectClient) -> PluginDescription:
        from kconnect.ops.plugins import describe_plugin

        return describe_plugin(client, plugin)

    return run_with_client("plugins describe", output, connection, call, _render_plugin)


def _render_plugin(description: PluginDescription, console: Console) -> None:
    def default(value: Any) -> str:
        return "-" if value is None else '""' if value == "" else str(value)

    rows = [
        (
            str(c["name"]),
            str(c["type"]),
            default(c["default"]),
            str(c["importance"] or "-"),
            "yes" if c["required"] else "no",
        )
        for c in description.configs
    ]
    table(console, ("NAME", "TYPE", "DEFAULT", "IMPORTANCE", "REQUIRED"), rows)
