"""`kconnect pause`, `resume` and `stop` as typer declares them; the body is in
kconnect.cli.state_bodies (shared with the typer-free path, kconnect.cli.fast), the logic in
`kconnect.ops.state`."""

from __future__ import annotations

from typing import Annotated

import typer

from kconnect.cli.app import app
from kconnect.cli.common import (
    ConcurrencyOpt,
    Connection,
    Output,
    OutputOpt,
    connected,
    finite,
    run_command,
)
from kconnect.cli.selection import MatchOpt, MatchOwnsOpt, OptionalNamesArg
from kconnect.cli.state_bodies import state_body

WaitOpt = Annotated[
    bool, typer.Option("--wait", help="Wait until the connectors and their tasks reach the state")
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", help="Seconds to wait", parser=finite(min=0))
]


def _register_state_command(action: str, help_text: str) -> None:
    @app.command(action, help=help_text)
    @connected
    def command(
        names: OptionalNamesArg = None,
        match: MatchOpt = None,
        owns: MatchOwnsOpt = None,
        wait: WaitOpt = False,
        timeout: TimeoutOpt = 60.0,
        concurrency: ConcurrencyOpt = None,
        output: OutputOpt = Output.text,
        *,
        connection: Connection,
    ) -> int:
        return run_command(
            action,
            output,
            lambda: state_body(
                action, names or [], match, owns, wait, timeout, concurrency, output, connection
            ),
        )


for _action, _help in (
    ("pause", "Pause connectors: their tasks stop processing, and keep their assignment."),
    ("resume", "Resume paused or stopped connectors."),
    ("stop", "Stop connectors: shut their tasks down, keeping the config (Connect 3.5+, KIP-875)."),
):
    _register_state_command(_action, _help)
