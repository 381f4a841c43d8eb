"""What `kconnect pause`, `resume` and `stop` do, without typer: the command body and its text
output, run by the typer commands (kconnect.cli.state) and by the typer-free path
(kconnect.cli.fast) alike. The logic is in `kconnect.ops.state`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kconnect.cli.runner import Connection, Done, Output
from kconnect.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.ops.state import StateChangeReport
    from kconnect.output.console import PlainConsole


def state_body(
    action: str,
    names: list[str],
    match: list[str] | None,
    owns: list[str] | None,
    wait: bool,
    timeout: float,
    concurrency: int | None,
    output: Output,
    connection: Connection,
) -> Done:
    """Pause, resume or stop the connectors named or matched; each one's outcome, and exit
    0 (all done, and reached with --wait), 1 (one failed), 3 (not reached) or 130 (Ctrl-C)."""
    from kconnect.cli.interrupt import bulk_exit_code, bulk_writes
    from kconnect.cli.named import optional_names, select
    from kconnect.ops.state import change_state

    given = optional_names(names, match)
    with connection.client() as client:
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
    verbose = connection.verbose > 0
    return Done(code, report, lambda c: render_state(report, c, verbose))


def render_state(
    report: StateChangeReport, console: Console | PlainConsole, verbose: bool = False
) -> None:
    from kconnect.cli.columns import bulk_summary, text
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
