"""`kconnect restart`: connectors, their tasks, or one task (logic in `kconnect.ops.restart`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kconnect.cli.app import app
from kconnect.cli.columns import failed_summary, interrupted_summary, text
from kconnect.cli.common import (
    ConcurrencyOpt,
    Connection,
    Done,
    Output,
    OutputOpt,
    connected,
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
        from kconnect.cli.interrupt import stop_on_ctrl_c
        from kconnect.cli.progress import progress_display
        from kconnect.ops.restart import restart_many

        given = optional_names(names, match)
        with connection.client() as client:
            chosen = select(client, given, match, owns, announce=output.value == "text")
            with (
                stop_on_ctrl_c("restarts") as interrupt,
                progress_display(output.value, quiet=len(chosen.names) < 2) as progress,
            ):
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
        code = ExitCode.OK if report.ok else ExitCode.ERROR
        if interrupt.is_set():
            code = ExitCode.INTERRUPTED
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
    failed = [r for r in report.results if not r.ok and not r.interrupted]
    failed_summary(console, "Restart", len(report.results), failed)
    not_done = [(r.name, r.error or "") for r in report.results if r.interrupted]
    if not_done:
        interrupted_summary(console, "restart", len(report.results), not_done, verbose=verbose)
