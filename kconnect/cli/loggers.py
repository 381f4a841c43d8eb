"""`kconnect loggers [get|set]`: worker log levels (logic in `kconnect.ops.loggers`)."""

from __future__ import annotations

from enum import Enum
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
    run_with_client,
)
from kconnect.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.api.client import ConnectClient
    from kconnect.ops.loggers import LoggerChange


class LoggerScope(str, Enum):
    worker = "worker"
    cluster = "cluster"


loggers_app = typer.Typer(
    help="Show or change worker log levels (Connect 2.4+, KIP-495; scope: 3.7+, KIP-976).",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(loggers_app, name="loggers")


def _loggers_list(logger: str | None, output: Output, connection: Connection) -> int:
    def call(client: ConnectClient) -> dict[str, dict[str, Any]]:
        from kconnect.ops.loggers import loggers

        return loggers(client, logger)

    return run_with_client(
        "loggers",
        output,
        connection,
        call,
        _render_loggers,
        data=lambda levels: {"loggers": levels},
    )


def _render_loggers(levels: dict[str, dict[str, Any]], console: Console) -> None:
    from datetime import datetime, timezone

    def when(ms: Any) -> str:
        if not isinstance(ms, (int, float)):
            return "-"
        return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="seconds")

    rows = [
        (name, str(v.get("level") or "-"), when(v.get("last_modified")))
        for name, v in levels.items()
    ]
    table(console, ("LOGGER", "LEVEL", "LAST MODIFIED"), rows)


@loggers_app.callback()
@connected
def loggers(
    ctx: typer.Context,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """List every logger and its level (same as `loggers get`)."""
    if ctx.invoked_subcommand is not None:
        return ExitCode.OK  # the subcommand's exit code is the one that counts
    return _loggers_list(None, output, connection)


@loggers_app.command("get")
@connected
def loggers_get(
    logger: Annotated[
        str | None,
        typer.Argument(help="Logger name, or root (default: all)", show_default=False),
    ] = None,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Show one logger's level, or all loggers."""
    return _loggers_list(logger, output, connection)


@loggers_app.command("set")
@connected
def loggers_set(
    logger: Annotated[str, typer.Argument(help="Logger name, or root", show_default=False)],
    level: Annotated[
        str, typer.Argument(help="OFF FATAL ERROR WARN INFO DEBUG TRACE ALL", show_default=False)
    ],
    scope: Annotated[
        LoggerScope,
        typer.Option("--scope", help="worker: the answering worker; cluster: every worker (3.7+)"),
    ] = LoggerScope.worker,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Set a logger's level (and its children's)."""

    def body() -> Done:
        from kconnect.ops.loggers import check_level, set_logger

        check_level(level)  # a usage error before connecting
        with connection.client() as client:
            change = set_logger(client, logger, level, scope.value)
        return Done(ExitCode.OK, change, lambda c: _render_logger_change(change, c))

    return run_command("loggers set", output, body)


def _render_logger_change(change: LoggerChange, console: Console) -> None:
    if change.changed is None:
        text(console, f"✓ {change.logger} set to {change.level} on every worker", "green")
        return
    if change.cluster_ignored:
        text(
            console,
            "warning: this worker is older than Connect 3.7 (KIP-976) and ignored "
            "--scope cluster: the level was set on the answering worker only",
            "yellow",
        )
    changed = ", ".join(change.changed) or "none (already at that level)"
    text(console, f"✓ {change.logger} set to {change.level}; changed: {changed}", "green")
