"""`kconnect offsets get|reset|set` (logic in `kconnect.ops.offsets`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kconnect.cli.app import app
from kconnect.cli.columns import table, text
from kconnect.cli.common import (
    Connection,
    Done,
    NameArg,
    Output,
    OutputOpt,
    YesOpt,
    confirm,
    connected,
    finite,
    run_command,
    run_with_client,
)
from kconnect.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.api.client import ConnectClient
    from kconnect.ops.offsets import OffsetsChange, OffsetsReport


StopTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout", help="Seconds to wait for the connector to stop", parser=finite(min=0)
    ),
]

offsets_app = typer.Typer(
    help="Read, reset or set a connector's offsets (Connect 3.6+, KIP-875).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(offsets_app, name="offsets")


@offsets_app.command("get")
@connected
def offsets_get(
    name: NameArg,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Show a connector's committed offsets (source or sink form)."""

    def call(client: ConnectClient) -> OffsetsReport:
        from kconnect.ops.offsets import get_offsets

        return get_offsets(client, name)

    return run_with_client("offsets get", output, connection, call, _render_offsets)


def _render_offsets(report: OffsetsReport, console: Console) -> None:
    import json

    text(console, f"{report.name} ({report.type}, {report.state or 'UNKNOWN'})")
    if not report.offsets:
        text(console, "No offsets committed.")
        return
    rows = [
        (
            json.dumps(o.get("partition"), sort_keys=True),
            json.dumps(o.get("offset"), sort_keys=True),
        )
        for o in report.offsets
    ]
    table(console, ("PARTITION", "OFFSET"), rows)


def _offsets_change(
    name: str,
    offsets_file: Path | None,
    yes: bool,
    timeout: float,
    output: Output,
    connection: Connection,
) -> int:
    command = "offsets reset" if offsets_file is None else "offsets set"

    def body() -> Done:
        from kconnect.ops.offsets import change_offsets, read_offsets_file

        offsets = read_offsets_file(offsets_file) if offsets_file is not None else None
        with connection.client() as client:
            change = change_offsets(
                client,
                name,
                offsets,
                confirm=lambda q: confirm(q, yes=yes, what=f"`kconnect {command}`"),
                source=str(offsets_file or "offsets"),
                timeout=timeout,
            )
        return Done(ExitCode.OK, change, lambda c: _render_offsets_change(change, c))

    return run_command(command, output, body)


def _render_offsets_change(change: OffsetsChange, console: Console) -> None:
    if change.state_before != "STOPPED":
        text(console, f"✓ stopped {change.name}", "green")
    what = (
        "reset its offsets"
        if change.action == "reset"
        else f"set offsets for {change.partitions} partition(s)"
    )
    text(console, f"✓ {what}: {change.message}", "green")
    if change.state_before != "STOPPED":
        verb = "resumed" if change.state_after == "RUNNING" else "paused"
        text(console, f"✓ {verb} {change.name} ({change.state_after} as before)", "green")


@offsets_app.command("reset")
@connected
def offsets_reset(
    name: NameArg,
    yes: YesOpt = False,
    timeout: StopTimeoutOpt = 60.0,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Forget all offsets: stops the connector, resets, then restores its state."""
    return _offsets_change(name, None, yes, timeout, output, connection)


@offsets_app.command("set")
@connected
def offsets_set(
    name: NameArg,
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            "-f",
            help='JSON: {"offsets": [{"partition": {...}, "offset": {...}|null}]}',
            show_default=False,
        ),
    ],
    yes: YesOpt = False,
    timeout: StopTimeoutOpt = 60.0,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Set offsets from a file: stops the connector, alters, then restores its state."""
    return _offsets_change(name, file, yes, timeout, output, connection)
