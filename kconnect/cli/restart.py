"""`kconnect restart`: connectors, their tasks, or one task (logic in `kconnect.ops.restart`)."""

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
    run_command,
)
from kconnect.cli.named import optional_names, select
from kconnect.cli.selection import MatchOpt, MatchOwnsOpt, OptionalNamesArg

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.ops.restart import RestartReport


@app.command()
@connected
def restart(
    names: OptionalNamesArg = None,
    match: MatchOpt = None,
    owns: MatchOwnsOpt = None,
    include_tasks: Annotated[
        bool, typer.Option("--include-tasks", help="Also restart the connector's tasks (KIP-745)")
    ] = False,
    failed_only: Annotated[
        bool,
        typer.Option("--failed-only", help="Restart only the instances that are FAILED (KIP-745)"),
    ] = False,
    task: Annotated[
        int | None,
        typer.Option("--task", help="Restart only this task id", min=0, show_default=False),
    ] = None,
    concurrency: ConcurrencyOpt = None,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Restart connectors, their tasks (--include-tasks, --failed-only) or one task (--task)."""

    def body() -> Done:
        from kconnect.cli.interrupt import bulk_exit_code, bulk_writes
        from kconnect.ops.restart import restart_many

        given = optional_names(names, match)
        with connection.client() as client:
            chosen = select(client, given, match, owns, announce=output.value == "text")
            quiet = len(chosen.names) < 2
            with bulk_writes("restarts", output.value, quiet=quiet) as (interrupt, progress):
                report = restart_many(
                    client,
                    list(chosen.names),
                    include_tasks=include_tasks,
                    only_failed=failed_only,
                    task=task,
                    concurrency=concurrency,
                    progress=progress,
                    interrupt=interrupt,
                )
        code = bulk_exit_code(report.ok, interrupt)
        verbose = connection.verbose > 0
        return Done(code, report, lambda c: _render_restart(report, c, verbose))

    return run_command("restart", output, body)


def _render_restart(report: RestartReport, console: Console, verbose: bool = False) -> None:
    for result in report.results:
        if result.interrupted:
            continue
        if not result.ok:
            text(console, f"✗ {result.name}: {result.error}", "red")
        elif result.restarting:
            text(console, f"✓ restarting {result.name}: {', '.join(result.restarting)}", "green")
        else:
            text(console, f"{result.name}: nothing to restart (no FAILED connector or task)")
    bulk_summary(console, "restart", report.results, verbose=verbose)
