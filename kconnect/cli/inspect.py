"""Commands that look at the cluster: status, get, describe; and delete."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kconnect.cli.app import app
from kconnect.cli.common import (
    ConcurrencyOpt,
    Connection,
    Done,
    Output,
    OutputOpt,
    YesOpt,
    checked_names,
    confirm,
    connected,
    project_key_rules,
    register_manifest_secrets,
    run_command,
)
from kconnect.cli.named import optional_names, select
from kconnect.cli.selection import AllNamesArg, MatchOpt, MatchOwnsOpt, OptionalNamesArg
from kconnect.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.api.client import ConnectClient
    from kconnect.ops.delete import DeleteReport


@app.command()
@connected
def status(
    names: AllNamesArg = None,
    match: MatchOpt = None,
    owns: MatchOwnsOpt = None,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Connector and task states. Exit 3 when any connector or task is FAILED or UNASSIGNED."""

    def body() -> Done:
        from kconnect import core
        from kconnect.cli.render import render_status

        with connection.client() as client:
            chosen = select(client, names or [], match, owns, announce=output.value == "text")
            report = core.status(client, chosen.names, key_rules=project_key_rules())
        if report.missing:
            code = ExitCode.ERROR
        else:
            code = ExitCode.OK if report.healthy else ExitCode.UNHEALTHY
        return Done(code, report, lambda c: render_status(report, c))

    return run_command("status", output, body)


@app.command("get")
@connected
def get_connectors(
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """List the connectors on the cluster with their class, type and state."""

    def body() -> Done:
        from kconnect.api.live import live_config, live_state

        with connection.client() as client:
            live = client.list_expanded()
        rows = []
        for name, entry in sorted(live.items()):
            tasks = (entry.get("status") or {}).get("tasks") or []
            states = Counter(str(t.get("state") or "UNKNOWN") for t in tasks)
            rows.append(
                {
                    "name": name,
                    "class": live_config(entry).get("connector.class"),
                    "type": (entry.get("info") or {}).get("type"),
                    "state": live_state(entry),
                    "tasks": len(tasks),
                    "task_states": dict(sorted(states.items())),
                }
            )
        return Done(ExitCode.OK, {"connectors": rows}, lambda c: _render_list(rows, c))

    return run_command("get", output, body)


def _tasks_cell(states: dict[str, int]) -> str:
    """`2/2` when every task runs, else the other states too: `1/2 (1 FAILED)`."""
    total = sum(states.values())
    others = ", ".join(f"{n} {state}" for state, n in states.items() if state != "RUNNING")
    return f"{states.get('RUNNING', 0)}/{total}" + (f" ({others})" if others else "")


def _render_list(rows: list[dict[str, Any]], console: Console) -> None:
    from rich.table import Table

    if not rows:
        console.print("No connectors.")
        return
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("NAME", "TYPE", "STATE", "TASKS", "CLASS"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["name"],
            row["type"] or "-",
            row["state"] or "-",
            _tasks_cell(row["task_states"]),
            row["class"] or "-",
            style=None,
        )
    console.print(table, markup=False)


@app.command()
@connected
def describe(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Connector name(s) (or select them with --match)",
            show_default=False,
            callback=checked_names,
        ),
    ] = None,
    match: MatchOpt = None,
    owns: MatchOwnsOpt = None,
    tasks: Annotated[
        bool,
        typer.Option("--tasks", help="Also show each task's config, as the worker gave it"),
    ] = False,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Connectors in detail: masked config, state, tasks (their configs with --tasks), failure
    traces and topics."""

    def body() -> Done:
        given = optional_names(names, match)
        with connection.client() as client:
            chosen = select(client, given, match, owns, announce=output.value == "text")
            rules = project_key_rules()
            described = [
                _describe_one(client, name, tasks=tasks, sensitive=rules.sensitive_for(name))
                for name in chosen.names
            ]
        if match or len(described) > 1:
            data: dict[str, Any] = {"connectors": described}
        else:
            data = described[0]

        def render(console: Console) -> None:
            for i, one in enumerate(described):
                if i:
                    console.print()
                _render_describe(one, console)

        return Done(ExitCode.OK, data, render)

    return run_command("describe", output, body)


def _describe_one(
    client: ConnectClient, name: str, *, tasks: bool, sensitive: frozenset[str]
) -> dict[str, Any]:
    """`sensitive`: kconnect.yaml's `sensitive_keys` for this connector."""
    from kconnect.core import secret_values
    from kconnect.errors import ApiError
    from kconnect.health import connector_health
    from kconnect.manifests.model import password_keys_for
    from kconnect.output.redaction import mask_config

    info = client.connector(name)
    config = dict(info.get("config") or {})
    register_manifest_secrets([config], sensitive)
    keys = password_keys_for(None, config) | sensitive
    task_configs: list[dict[str, Any]] | None = None
    if tasks:
        task_configs = []
        for entry in client.tasks(name):
            task_config = {str(k): str(v) for k, v in (entry.get("config") or {}).items()}
            # A task's config repeats the connector's secrets, and may derive its own.
            register_manifest_secrets([task_config], sensitive)
            task_id = (entry.get("id") or {}).get("task")
            task_configs.append({"id": task_id, "config": mask_config(task_config, keys)})
    health = connector_health(name, client.status(name), secret_values([config], sensitive))
    try:
        topics: list[str] | None = client.topics(name)
    except ApiError:
        topics = None  # topic tracking disabled on the worker (403)
    data: dict[str, Any] = {
        "name": name,
        "type": info.get("type"),
        "config": mask_config(config, keys),
        "status": health.to_dict(),
        "topics": topics,
    }
    if task_configs is not None:
        data["task_configs"] = task_configs
    return data


def _render_describe(data: dict[str, Any], console: Console) -> None:
    from rich.text import Text

    from kconnect.health import summarise  # the JSON holds the whole (redacted) trace

    status = data["status"]
    console.print(Text(f"Name:   {data['name']}", style="bold"))
    console.print(Text(f"Type:   {data['type'] or '-'}"))
    console.print(Text(f"State:  {status['state']} on {status['worker_id'] or '-'}"))
    if status["trace"]:
        console.print(Text(summarise(status["trace"]), style="red"))
    console.print(Text("Config:", style="bold"))
    for key in sorted(data["config"]):
        console.print(Text(f"  {key} = {data['config'][key]}"))
    console.print(Text("Tasks:", style="bold"))
    task_configs = {t["id"]: t["config"] for t in data.get("task_configs") or []}
    for task in status["tasks"] or []:
        console.print(Text(f"  {task['id']}: {task['state']} on {task['worker_id'] or '-'}"))
        if task["trace"]:
            console.print(
                Text("    " + summarise(task["trace"]).replace("\n", "\n    "), style="red")
            )
        for key, value in sorted(task_configs.pop(task["id"], {}).items()):
            console.print(Text(f"    {key} = {value}"))
    if not status["tasks"]:
        console.print(Text("  (none)"))
    for task_id, config in sorted(task_configs.items(), key=lambda item: str(item[0])):
        # A task the worker has a config for but no status yet (just (re)configured).
        console.print(Text(f"  {task_id}: (no status yet)"))
        for key, value in sorted(config.items()):
            console.print(Text(f"    {key} = {value}"))
    if data["topics"] is not None:
        console.print(Text(f"Topics: {', '.join(data['topics']) or '(none yet)'}"))


@app.command()
@connected
def delete(
    names: OptionalNamesArg = None,
    match: MatchOpt = None,
    owns: MatchOwnsOpt = None,
    yes: YesOpt = False,
    concurrency: ConcurrencyOpt = None,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Delete connectors from the cluster (asks first unless --yes)."""

    def body() -> Done:
        from kconnect.cli.interrupt import bulk_exit_code, bulk_writes
        from kconnect.ops.delete import delete_connectors

        given = optional_names(names, match)
        with connection.client() as client:
            chosen = list(select(client, given, match, owns, announce=True).names)
            confirm(f"Delete {', '.join(chosen)}?", yes=yes, what="delete")
            quiet = len(chosen) < 2
            with bulk_writes("deletes", output.value, quiet=quiet) as (interrupt, progress):
                report = delete_connectors(
                    client, chosen, concurrency=concurrency, progress=progress, interrupt=interrupt
                )
        code = bulk_exit_code(report.ok, interrupt)
        verbose = connection.verbose > 0
        return Done(code, report, lambda c: _render_deleted(report, c, verbose))

    return run_command("delete", output, body)


def _render_deleted(report: DeleteReport, console: Console, verbose: bool = False) -> None:
    from rich.text import Text

    from kconnect.cli.columns import interrupted_summary

    for result in report.results:
        if result.interrupted:
            continue
        if result.deleted:
            console.print(Text(f"✓ deleted {result.name}", style="green"))
        else:
            console.print(Text(f"✗ {result.name}: {result.error}", style="red"))
    failed = sum(not r.deleted and not r.interrupted for r in report.results)
    not_done = [(r.name, r.error or "") for r in report.results if r.interrupted]
    if failed and len(report.results) > 1:
        deleted = len(report.results) - failed - len(not_done)
        console.print(Text(f"Delete: {deleted} deleted, {failed} failed."))
    if not_done:
        interrupted_summary(console, "delete", len(report.results), not_done, verbose=verbose)
