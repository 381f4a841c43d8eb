"""`kconnect info` and `kconnect version` (logic in `kconnect.ops.info`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from kconnect.cli.app import app
from kconnect.cli.columns import text
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
    from kconnect.ops.info import Info


def _info(command: str, output: Output, connection: Connection) -> int:
    def call(client: ConnectClient) -> Info:
        from kconnect.ops.info import info

        return info(client, _context_name(connection))

    return run_with_client(
        command,
        output,
        connection,
        call,
        _render_info,
        exit_code=lambda result: ExitCode.OK if result.error is None else ExitCode.ERROR,
    )


def _context_name(connection: Connection) -> str | None:
    from kconnect.config.contexts import load_config

    context = load_config(os.environ).select(connection.selected_context())
    return context.name if context else None


def _render_info(info: Info, console: Console) -> None:
    text(console, f"kconnect:         {info.kconnect_version}")
    text(console, f"url:              {info.url}")
    if info.context:
        text(console, f"context:          {info.context}")
    if info.worker is None:
        text(console, f"worker:           unreachable: {info.error}", "red")
        return
    worker = info.worker
    text(console, f"worker version:   {worker.get('version', '-')}")
    text(console, f"worker commit:    {worker.get('commit', '-')}")
    text(console, f"kafka cluster id: {worker.get('kafka_cluster_id') or '-'}")


@app.command()
@connected
def info(
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """kconnect's version, and the worker's version, commit and Kafka cluster id."""
    return _info("info", output, connection)


@app.command()
@connected
def version(
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Same as info (`kconnect --version` prints kconnect's version without connecting)."""
    return _info("version", output, connection)
