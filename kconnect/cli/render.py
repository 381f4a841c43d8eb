"""Renderers: the same result objects shown as human text (rich), Markdown or a JSON envelope.

Nothing here decides anything; it only shows. Values are shown through `rich.text.Text`, never
as markup, so a config value like `[bold]` or a regex prints as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kconnect.errors import ExitCode, KconnectError, ManifestError

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.core import ApplyReport, PlanReport, StatusReport, ValidationReport
    from kconnect.diagnostics import Problem
    from kconnect.health import ConnectorHealth
    from kconnect.ops.wait import WaitResult
    from kconnect.output.console import PlainConsole
    from kconnect.planning.plan import ConnectorChange, Plan

RESULT_VERSION = 1

_STATUS_WORDS = {
    ExitCode.OK: "ok",
    ExitCode.ERROR: "error",
    ExitCode.CHANGES_PENDING: "changes",
    ExitCode.UNHEALTHY: "unhealthy",
    ExitCode.USAGE: "usage-error",
    ExitCode.INTERRUPTED: "interrupted",
}


def envelope(
    command: str,
    exit_code: int,
    data: Any = None,
    errors: Sequence[KconnectError] = (),
    *,
    status: str | None = None,
) -> dict[str, Any]:
    """The versioned JSON document every `-o json` command prints, also on failure.

    `status` is the exit code's word unless the command knows better: `plan` says "changes"
    whenever changes are pending, with or without `--detailed-exitcode` (which only decides
    the exit code). `kconnect_result_version` changes only when a key is removed or changes
    meaning.
    """
    code = ExitCode(exit_code) if exit_code in ExitCode._value2member_map_ else ExitCode.ERROR
    return {
        "kconnect_result_version": RESULT_VERSION,
        "command": command,
        "status": status or _STATUS_WORDS[code],
        "exit_code": int(exit_code),
        "data": data,
        "errors": [error_dict(e) for e in errors],
    }


def error_dict(exc: KconnectError) -> dict[str, Any]:
    result: dict[str, Any] = {"type": type(exc).__name__, "message": exc.message}
    status = getattr(exc, "status", None)
    if status is not None:
        result["http_status"] = status
    if isinstance(exc, ManifestError):
        result["problems"] = [p.to_dict() for p in exc.problems]
    unsafe = getattr(exc, "unsafe", None)  # UnsafePlanError: which safe-plan limit, by how much
    if unsafe is not None:
        result["unsafe"] = unsafe.to_dict()
    dangers = getattr(exc, "to_list", None)  # DangerousPlanError: the refused impacts
    if dangers is not None:
        result["dangers"] = dangers()
    return result


# -- errors and problems ----------------------------------------------------------------------


def problem_pieces(problem: Problem) -> list[tuple[str, str | None]]:
    """A problem as (text, style) pieces: `location: severity: message [rule]`, and its hint."""
    style = "red" if problem.is_error else "yellow" if problem.is_warning else "cyan"
    pieces: list[tuple[str, str | None]] = []
    if problem.location:
        pieces.append((f"{problem.location}: ", "bold"))
    pieces.append((problem.severity.value, style))
    pieces.append((f": {problem.message} ", None))
    pieces.append((f"[{problem.rule}]", "dim"))
    if problem.hint:
        pieces.append((f"\n    hint: {problem.hint}", "dim"))
    return pieces


def render_error(exc: KconnectError, console: Console | PlainConsole) -> None:
    from kconnect.output.console import print_pieces

    if isinstance(exc, ManifestError):
        for problem in exc.problems:
            print_pieces(console, problem_pieces(problem))
        errors = sum(p.is_error for p in exc.problems)
        print_pieces(
            console,
            [(f"error: {errors} error(s) in manifests; nothing was sent to Connect", "red")],
        )
        return
    print_pieces(console, [(f"error: {exc.message}", "red")])


def render_validation(report: ValidationReport, console: Console | PlainConsole) -> None:
    from kconnect.output.console import print_pieces

    for problem in report.problems:
        print_pieces(console, problem_pieces(problem))
    count = len(report.manifests)
    summary = (
        f"{count} connector(s) checked: {len(report.errors)} error(s), "
        f"{len(report.warnings)} warning(s)"
    )
    if report.notes:
        summary += f", {len(report.notes)} note(s)"
    print_pieces(console, [(summary, "green" if report.ok and not report.warnings else "")])


# -- plan -----------------------------------------------------------------------------------------


def _quote(value: str | None) -> str:
    return "(none)" if value is None else f'"{value}"'


def plan_lines(change: ConnectorChange) -> list[tuple[str, str]]:
    """(text, style) lines for one connector's change; shared by text and Markdown output."""
    from kconnect.planning.plan import Action, KeyChangeKind

    symbol, style = {
        Action.CREATE: ("+", "green"),
        Action.UPDATE: ("~", "yellow"),
        Action.DELETE: ("-", "red"),
        Action.RENAME: ("~", "yellow"),
    }[change.action]
    header = f"{symbol} {change.action.value} {change.name}"
    if change.action is Action.RENAME:
        header = f"{symbol} rename {change.moved_from} → {change.name} " + _rename_note(change)
    if change.action is Action.CREATE and change.state_after is not None:
        header += f" (state: {change.state_after.value})"
    lines = [(header, f"bold {style}")]
    for key in change.key_changes:
        if change.action not in (Action.UPDATE, Action.RENAME):
            value = key.after if change.action is Action.CREATE else key.before
            lines.append((f"    {key.key} = {_quote(value)}", style))
        elif key.kind is KeyChangeKind.ADDED:
            lines.append((f"    + {key.key} = {_quote(key.after)}", "green"))
        elif key.kind is KeyChangeKind.REMOVED:
            lines.append((f"    - {key.key} (was {_quote(key.before)})", "red"))
        elif key.secret:
            lines.append(
                (f"    ~ {key.key}: {key.before} → {key.after} (secret changed)", "yellow")
            )
        else:
            lines.append((f"    ~ {key.key}: {_quote(key.before)} → {_quote(key.after)}", "yellow"))
    if change.state_changed and change.state_after is not None:
        lines.append(
            (
                f"    state: {change.state_before or 'unknown'} "
                f"→ {change.state_after.worker_state}",
                "cyan",
            )
        )
    lines.extend(impact_lines(change))
    return lines


_IMPACT_STYLES = {"danger": "bold red", "warning": "yellow", "info": "dim"}


def impact_lines(change: ConnectorChange) -> list[tuple[str, str]]:
    """Under the change: `! severity id: what happens to the data`, then what to do instead."""
    lines = []
    for impact in change.impacts:
        style = _IMPACT_STYLES[impact.severity.value]
        lines.append((f"    ! {impact.severity.value} {impact.id}: {impact.message}", style))
        if impact.severity.value != "info":
            lines.append((f"      instead: {impact.advice}", style))
    return lines


def _rename_note(change: ConnectorChange) -> str:
    if change.resuming is None:
        return "(offsets carried over)"
    if change.resuming == "STOPPED":
        return f"(resuming: {change.name} exists, STOPPED; offsets carried over)"
    return (
        f"(resuming: {change.name} is {change.resuming} and keeps its own offsets; "
        f"{change.moved_from} is deleted)"
    )


def plan_summary(plan: Plan) -> str:
    c = plan.counts
    renames = f"{c['rename']} to rename, " if c.get("rename") else ""
    return (
        f"Plan: {c.get('create', 0)} to create, {c.get('update', 0)} to update, {renames}"
        f"{c.get('delete', 0)} to delete, {c.get('unchanged', 0)} unchanged."
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def plan_notes(report: PlanReport) -> list[tuple[str, str]]:
    """(text, style) lines about what the plan leaves alone and whether it is safe; shared
    by text and Markdown output."""
    plan = report.plan
    notes: list[tuple[str, str]] = []
    if plan.scope.declared:
        where = "--owns" if plan.scope.source == "--owns" else plan.scope.source
        notes.append((f"Ownership scope: {plan.scope.describe()} (from {where}).", "dim"))
        if plan.not_owned:
            n = len(plan.not_owned)
            verb = "was" if n == 1 else "were"
            notes.append(
                (
                    f"{_count(n, 'connector', 'connectors')} not owned by this scope "
                    f"{verb} left alone.",
                    "dim",
                )
            )
    elif plan.pruning:
        notes.append(
            (
                "no ownership scope: every undeclared connector will be deleted "
                "(declare owns: in kconnect.yaml, or --owns, to share the cluster)",
                "yellow",
            )
        )
    if plan.targets:
        notes.append(
            (
                f"Targets: {', '.join(plan.targets)}; "
                f"{_count(len(plan.untargeted), 'other connector', 'other connectors')} "
                "left alone.",
                "dim",
            )
        )
    if plan.ignored:
        shown = ", ".join(f"{name} ({', '.join(keys)})" for name, keys in plan.ignored.items())
        notes.append(
            (
                f"Ignored keys that differ (ignore_keys; the cluster's values are kept): {shown}.",
                "dim",
            )
        )
    refused = report.refused
    if refused:
        shown = ", ".join(f"{name} ({impact.id})" for name, impact in refused)
        notes.append(
            (
                f"Dangerous changes: {shown}; apply refuses them without --force or an "
                "acknowledge: of each id in the manifest or kconnect.yaml.",
                "bold red",
            )
        )
    accepted = [
        f"{c.name} ({i.id})"
        for c in report.plan.changes
        for i in c.dangers
        if i.id in report.acknowledged.get(c.name, ())
    ]
    if accepted:
        notes.append((f"Acknowledged dangerous changes: {', '.join(accepted)}.", "yellow"))
    if report.unsafe is not None:
        notes.append(
            (
                f"Unsafe plan: {report.unsafe.message}; apply refuses it without --force.",
                "bold red",
            )
        )
    return notes


def render_plan(report: PlanReport, console: Console | PlainConsole) -> None:
    from kconnect.output.console import print_pieces

    for problem in report.validation.warnings:
        print_pieces(console, problem_pieces(problem))
    plan = report.plan
    for change in plan.changes:
        for text, style in plan_lines(change):
            print_pieces(console, [(text, style)])
    if plan.unmanaged:
        print_pieces(
            console,
            [
                (
                    f"{len(plan.unmanaged)} connector(s) on the cluster are not in the manifests "
                    f"(use --prune to delete them): {', '.join(plan.unmanaged)}",
                    "dim",
                )
            ],
        )
    for text, style in plan_notes(report):
        print_pieces(console, [(text, style)])
    if not plan.has_changes:
        print_pieces(console, [(_no_changes(plan), "green")])
    print_pieces(console, [(plan_summary(plan), "bold")])


def _no_changes(plan: Plan) -> str:
    aside = " (ignored keys aside)" if plan.ignored else ""
    return f"No changes. The cluster matches the manifests{aside}."


def _markdown_escape(text: str) -> str:
    """Globs like `team-a-*` must not turn into emphasis."""
    for ch in "\\`*_[]<>":
        text = text.replace(ch, "\\" + ch)
    return text


def plan_markdown(report: PlanReport) -> str:
    """A plan as GitHub-flavoured Markdown, for CI job summaries and PR comments."""
    plan = report.plan
    out = ["## kconnect plan", "", f"**{plan_summary(plan)}**", ""]
    if plan.has_changes:
        out.append("```diff")
        for change in plan.changes:
            default = {"create": "+", "delete": "-"}.get(change.action.value, " ")
            for text, _style in plan_lines(change):
                # diff highlighting colours a line by its first character; `!` marks a change
                marker = {"+": "+", "-": "-", "~": "!", "!": "!"}.get(text.lstrip()[:1], default)
                out.append(f"{marker} {text}")
        out.append("```")
    else:
        out.append(_no_changes(plan))
    if report.validation.warnings:
        out += ["", "### Warnings", ""]
        for problem in report.validation.warnings:
            out.append(f"- `{problem.location}` {problem.message} (`{problem.rule}`)")
    if plan.unmanaged:
        out += [
            "",
            f"Not managed by these manifests: {', '.join(f'`{n}`' for n in plan.unmanaged)}",
        ]
    notes = plan_notes(report)
    if notes:
        out.append("")
        for text, style in notes:
            escaped = _markdown_escape(text)
            out.append(f"- **{escaped}**" if "bold" in style else f"- {escaped}")
    return "\n".join(out) + "\n"


# -- apply, wait, status --------------------------------------------------------------------------


def render_apply(report: ApplyReport, console: Console, *, verbose: bool = False) -> None:
    from rich.text import Text

    for outcome in report.result.outcomes:
        if outcome.interrupted:
            continue  # after the summary: each with -v, counted otherwise
        if outcome.ok:
            console.print(Text(f"✓ {outcome.name}: {', '.join(outcome.steps)}", style="green"))
        else:
            console.print(
                Text(
                    f"✗ {outcome.name}: {outcome.action.value} failed: {outcome.error}", style="red"
                )
            )
    if report.wait is not None:
        render_wait(report.wait, console)
    c = report.counts
    their = "its" if c["not_reached"] == 1 else "their"
    reached = f" ({c['not_reached']} did not reach {their} state)" if c["not_reached"] else ""
    renamed = f"{c['renamed']} renamed, " if c.get("renamed") else ""
    not_written = f", {c['not_written']} not written" if c.get("not_written") else ""
    line = (
        f"Apply: {c['created']} created, {c['updated']} updated, {renamed}{c['deleted']} deleted, "
        f"{c['unchanged']} unchanged, {c['failed']} failed{reached}{not_written}."
    )
    console.print(Text(line, style="bold" if report.ok else "bold red"))
    if report.interrupted:
        _render_interrupted(report, console, verbose)


def _render_interrupted(report: ApplyReport, console: Console, verbose: bool) -> None:
    from rich.text import Text

    from kconnect.cli.columns import interrupted_summary

    not_written = report.result.interrupted
    if not_written or report.wait is None:
        interrupted_summary(
            console,
            "apply",
            len(report.result.outcomes),
            [(o.name, f"{o.action.value} {o.error}") for o in not_written],
            verbose=verbose,
        )
        return
    waited = report.wait
    total = len(waited.reached) + len(waited.failed) + len(waited.timed_out)
    if verbose:
        for health in waited.timed_out:
            console.print(Text(f"· {health.name}: {health.state}, no longer waited for", "yellow"))
    console.print(
        Text(
            f"Interrupted (Ctrl-C) while waiting: every change was written; {len(waited.reached)} "
            f"of {total} connector(s) had reached their state, {len(waited.timed_out)} were "
            "still waited for.",
            style="bold yellow",
        )
    )


def render_wait(wait: WaitResult, console: Console) -> None:
    from rich.text import Text

    if wait.ok:
        if wait.reached:
            console.print(
                Text(
                    f"All {len(wait.reached)} connector(s) reached their state "
                    f"in {wait.elapsed:.1f}s.",
                    style="green",
                )
            )
        return
    for health in wait.failed:
        console.print(Text(f"✗ {health.name} failed:", style="red bold"))
        _render_failures(health, console)
    for health in () if wait.interrupted else wait.timed_out:
        tasks = ", ".join(f"{t.id}:{t.state}" for t in health.tasks) or "no tasks yet"
        console.print(
            Text(
                f"✗ {health.name} did not reach its state in time: "
                f"connector {health.state}, tasks {tasks}{_not_restarted(wait, health.name)}",
                style="red",
            )
        )


def _not_restarted(wait: WaitResult, name: str) -> str:
    """Why a connector whose status looks fine still timed out: the worker had not shown it
    running the new config (key names only: the values may be secret)."""
    if name not in wait.not_restarted:
        return ""
    keys = wait.not_restarted[name]
    if keys:
        return (
            "; not restarted with the new config yet (its task configs still held the old "
            f"{', '.join(keys)})"
        )
    return "; not restarted with the new config yet (its task configs did not show it)"


def _render_failures(health: ConnectorHealth, console: Console) -> None:
    from rich.text import Text

    if health.trace:
        console.print(Text(_indent(health.trace, 6), style="dim"))
    for task in health.failed_tasks:
        console.print(
            Text(f"    task {task.id}: {task.state} on {task.worker_id or '-'}", style="red")
        )
        if task.trace:
            console.print(Text(_indent(task.trace, 6), style="dim"))


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line.strip() for line in text.splitlines())


def render_status(report: StatusReport, console: Console) -> None:
    from rich.text import Text

    if not report.connectors and not report.missing:
        console.print("No connectors.")
        return
    if report.connectors:
        _status_table(report, console)
    for name in report.missing:
        console.print(Text(f"✗ {name}: no such connector", style="red"))


def _plain_rows(rows: list[list[tuple[str, str]]], widths: list[int], console: Console) -> None:
    """The status table for a console without styles: the same characters as rich writes
    (it drops BEL, BS, VT, FF and CR from text), written at once."""
    from rich.cells import cell_len
    from rich.control import strip_control_codes

    from kconnect.output.console import write_plain

    gaps = [2] * (len(widths) - 1) + [0]
    lines = []
    for row in rows:
        cells = [strip_control_codes(value) for value, _ in row]
        lines.append(
            "".join(
                v + " " * (w - cell_len(raw) + g)
                for v, (raw, _), w, g in zip(cells, row, widths, gaps, strict=True)
            )
        )
    write_plain(console, "\n".join(lines) + "\n")


def _status_table(report: StatusReport, console: Console) -> None:
    from rich.cells import cell_len
    from rich.text import Text

    # One text of aligned lines, as rich's borderless Table lays it out, but never wrapped
    # and built in one pass: a Table measures and renders each of its cells separately,
    # seconds for a cluster of thousands of connectors.
    header = [("CONNECTOR", ""), ("TYPE", ""), ("STATE", ""), ("TASKS", ""), ("WORKER", "")]
    rows = [[(name, "table.header") for name, _ in header]]
    for health in report.connectors:
        running = sum(t.state == "RUNNING" for t in health.tasks)
        style = "green" if health.healthy else "red"
        rows.append(
            [
                (health.name, ""),
                (health.type or "-", ""),
                (health.state, style),
                (f"{running}/{len(health.tasks)}" + ("" if health.healthy else " ✗"), style),
                (health.worker_id or "-", ""),
            ]
        )
    widths = [max(cell_len(row[i][0]) for row in rows) for i in range(len(header))]
    if console.color_system is None:
        _plain_rows(rows, widths, console)
    else:
        table = Text()
        for number, row in enumerate(rows):
            if number:
                table.append("\n")
            for i, (value, style) in enumerate(row):
                table.append(value, style=style or None)
                table.append(" " * (widths[i] - cell_len(value) + (2 if i < len(row) - 1 else 0)))
        console.print(table, soft_wrap=True)
    for health in report.connectors:
        if not health.healthy:
            console.print(Text(f"{health.name}: connector {health.state}", style="red bold"))
            _render_failures(health, console)
