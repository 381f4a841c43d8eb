"""`kconnect pause`, `resume` and `stop` (logic in `kconnect.ops.state`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kconnect.cli.app import app
from kconnect.cli.columns import bulk_summary, text
from kconnect.cli.common import (
    ConcurrencyOpt,
    Connection,
    Done,
    Output,
    OutputOpt,
    connected,
    finite,
    run_command,
)
from kconnect.cli.selection import (
    MatchOpt,
    MatchOwnsOpt,
    OptionalNamesArg,
    optional_names,
    select,
)
from kconnect.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.ops.state import StateChangeReport

WaitOpt = Annotated[
    bool, typer.Option("--wait", help="Wait until the connectors and their tasks reach the state")
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", help="Seconds to wait", parser=finite(min=0))
]


def _state_command(
    action: str,
    names: list[str],
    match: list[str] | None,
    owns: list[str] | None,
    wait: bool,
    timeout: float,
    concurrency: int | None,
    output: Output,
    conn: Connection,
) -> int:
    def body() -> Done:
        from kconnect.cli.interrupt import bulk_exit_code, bulk_writes
        from kconnect.ops.state import change_state

        given = optional_names(names, match)
        with conn.client() as client:
            chosen = select(client, given, match, owns, announce=output.value == "text")
            quiet = len(chosen.names) < 2 and not wait
            with bulk_writes("writes", output.value, quiet=quiet) as (interrupt, progress):
                report = change_state(
                    client,
                    list(chosen.names),
                    action,
                    wait=wait,
                    timeout=timeout,
                    concurrency=concurrency,
                    progress=progress,
                    interrupt=interrupt,
                )
        code = bulk_exit_code(report.ok, interrupt)
        if code == ExitCode.OK and not report.reached:
            code = ExitCode.UNHEALTHY
        verbose = conn.verbose > 0
        return Done(code, report, lambda c: _render_state(report, c, verbose))

    return run_command(action, output, body)


def _render_state(report: StateChangeReport, console: Console, verbose: bool = False) -> None:
    from kconnect.ops.state import DONE_WORDS, STATE_ACTIONS

    done = DONE_WORDS[report.action]
    for change in report.changes:
        if change.interrupted:
            continue
        if change.ok:
            text(console, f"✓ {done} {change.name}", "green")
        else:
            text(console, f"✗ {change.name}: {change.error}", "red")
    bulk_summary(console, report.action, report.changes, verbose=verbose)
    wait = report.wait
    if wait is None:
        return
    target = STATE_ACTIONS[report.action]
    if wait.ok:
        text(console, f"All {len(wait.reached)} connector(s) {target}.", "green")
        return
    for health in (*wait.failed, *wait.timed_out):
        text(console, f"✗ {health.name} is {health.state}, not {target}", "red")
    if wait.interrupted:
        text(console, "Interrupted (Ctrl-C) while waiting.", "bold yellow")


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
        return _state_command(
            action, names or [], match, owns, wait, timeout, concurrency, output, connection
        )


for _action, _help in (
    ("pause", "Pause connectors: their tasks stop processing, and keep their assignment."),
    ("resume", "Resume paused or stopped connectors."),
    ("stop", "Stop connectors: shut their tasks down, keeping the config (Connect 3.5+, KIP-875)."),
):
    _register_state_command(_action, _help)
