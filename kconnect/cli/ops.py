"""Day-two commands: restart, pause/resume/stop, offsets, plugins, export, loggers, info and
contexts. Thin bodies: the logic is in `kconnect.ops.*`, `kconnect.config.contexts` and
`kconnect.config.settings`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
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
    confirm,
    connected,
    register_manifest_secrets,
    run_command,
)
from kconnect.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.config.settings import Resolution
    from kconnect.ops.export import ExportResult
    from kconnect.ops.info import Info
    from kconnect.ops.loggers import LoggerChange
    from kconnect.ops.offsets import OffsetsChange, OffsetsReport
    from kconnect.ops.plugins import PluginDescription
    from kconnect.ops.restart import RestartReport
    from kconnect.ops.state import StateChangeReport

NameArg = Annotated[str, typer.Argument(help="Connector name", show_default=False)]
NamesArg = Annotated[list[str], typer.Argument(help="Connector names", show_default=False)]
WaitOpt = Annotated[
    bool, typer.Option("--wait", help="Wait until the connectors and their tasks reach the state")
]
TimeoutOpt = Annotated[float, typer.Option("--timeout", help="Seconds to wait", min=0)]


class LoggerScope(str, Enum):
    worker = "worker"
    cluster = "cluster"


def _text(console: Console, text: str, style: str | None = None) -> None:
    from rich.text import Text

    console.print(Text(text, style=style or ""))


def _table(console: Console, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """Plain aligned columns, never truncated or wrapped (class names must stay whole when
    piped to grep or awk)."""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    for row in (columns, *rows):
        _text(console, "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


# -- restart --------------------------------------------------------------------------------------


@app.command()
@connected
def restart(
    names: NamesArg,
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
        from kconnect.cli.progress import progress_display
        from kconnect.ops.restart import restart_many

        with (
            connection.client() as client,
            progress_display(output.value, quiet=len(names) < 2) as progress,
        ):
            report = restart_many(
                client,
                names,
                include_tasks=include_tasks,
                only_failed=failed_only,
                task=task,
                concurrency=concurrency,
                progress=progress,
            )
        code = ExitCode.OK if report.ok else ExitCode.ERROR
        return Done(code, report, lambda c: _render_restart(report, c))

    return run_command("restart", output, body)


def _render_restart(report: RestartReport, console: Console) -> None:
    for result in report.results:
        if not result.ok:
            _text(console, f"✗ {result.name}: {result.error}", "red")
        elif result.restarting:
            _text(console, f"✓ restarting {result.name}: {', '.join(result.restarting)}", "green")
        else:
            _text(console, f"{result.name}: nothing to restart (no FAILED connector or task)")
    _failed_summary(
        console, "Restart", len(report.results), [r for r in report.results if not r.ok]
    )


def _failed_summary(console: Console, what: str, total: int, failed: Sequence[object]) -> None:
    """One closing line when several connectors were asked for and some failed."""
    if failed and total > 1:
        _text(console, f"{what}: {total - len(failed)} ok, {len(failed)} failed.")


# -- pause / resume / stop ------------------------------------------------------------------------


def _state_command(
    action: str,
    names: list[str],
    wait: bool,
    timeout: float,
    concurrency: int | None,
    output: Output,
    conn: Connection,
) -> int:
    def body() -> Done:
        from kconnect.cli.progress import progress_display
        from kconnect.ops.state import change_state

        with (
            conn.client() as client,
            progress_display(output.value, quiet=len(names) < 2 and not wait) as progress,
        ):
            report = change_state(
                client,
                names,
                action,
                wait=wait,
                timeout=timeout,
                concurrency=concurrency,
                progress=progress,
            )
        if not report.ok:
            code = ExitCode.ERROR
        elif not report.reached:
            code = ExitCode.UNHEALTHY
        else:
            code = ExitCode.OK
        return Done(code, report, lambda c: _render_state(report, c))

    return run_command(action, output, body)


def _render_state(report: StateChangeReport, console: Console) -> None:
    from kconnect.ops.state import STATE_ACTIONS

    done = {"pause": "paused", "resume": "resumed", "stop": "stopped"}[report.action]
    for change in report.changes:
        if change.ok:
            _text(console, f"✓ {done} {change.name}", "green")
        else:
            _text(console, f"✗ {change.name}: {change.error}", "red")
    failed = [c for c in report.changes if not c.ok]
    _failed_summary(console, action_title(report.action), len(report.changes), failed)
    wait = report.wait
    if wait is None:
        return
    target = STATE_ACTIONS[report.action]
    if wait.ok:
        _text(console, f"All {len(wait.reached)} connector(s) {target}.", "green")
        return
    for health in (*wait.failed, *wait.timed_out):
        _text(console, f"✗ {health.name} is {health.state}, not {target}", "red")


def action_title(action: str) -> str:
    return action.capitalize()


def _register_state_command(action: str, help_text: str) -> None:
    @app.command(action, help=help_text)
    @connected
    def command(
        names: NamesArg,
        wait: WaitOpt = False,
        timeout: TimeoutOpt = 60.0,
        concurrency: ConcurrencyOpt = None,
        output: OutputOpt = Output.text,
        *,
        connection: Connection,
    ) -> int:
        return _state_command(action, names, wait, timeout, concurrency, output, connection)


for _action, _help in (
    ("pause", "Pause connectors: their tasks stop processing, and keep their assignment."),
    ("resume", "Resume paused or stopped connectors."),
    ("stop", "Stop connectors: shut their tasks down, keeping the config (Connect 3.5+, KIP-875)."),
):
    _register_state_command(_action, _help)


# -- offsets --------------------------------------------------------------------------------------

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

    def body() -> Done:
        from kconnect.ops.offsets import get_offsets

        with connection.client() as client:
            report = get_offsets(client, name)
        return Done(ExitCode.OK, report, lambda c: _render_offsets(report, c))

    return run_command("offsets get", output, body)


def _render_offsets(report: OffsetsReport, console: Console) -> None:
    import json

    _text(console, f"{report.name} ({report.type}, {report.state or 'UNKNOWN'})")
    if not report.offsets:
        _text(console, "No offsets committed.")
        return
    rows = [
        (
            json.dumps(o.get("partition"), sort_keys=True),
            json.dumps(o.get("offset"), sort_keys=True),
        )
        for o in report.offsets
    ]
    _table(console, ("PARTITION", "OFFSET"), rows)


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
        _text(console, f"✓ stopped {change.name}", "green")
    what = (
        "reset its offsets"
        if change.action == "reset"
        else f"set offsets for {change.partitions} partition(s)"
    )
    _text(console, f"✓ {what}: {change.message}", "green")
    if change.state_before != "STOPPED":
        verb = "resumed" if change.state_after == "RUNNING" else "paused"
        _text(console, f"✓ {verb} {change.name} ({change.state_after} as before)", "green")


@offsets_app.command("reset")
@connected
def offsets_reset(
    name: NameArg,
    yes: YesOpt = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the connector to stop", min=0)
    ] = 60.0,
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
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the connector to stop", min=0)
    ] = 60.0,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Set offsets from a file: stops the connector, alters, then restores its state."""
    return _offsets_change(name, file, yes, timeout, output, connection)


# -- plugins --------------------------------------------------------------------------------------

plugins_app = typer.Typer(
    help="List installed plugins, or describe one plugin's configuration.",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(plugins_app, name="plugins")


@plugins_app.callback()
@connected
def plugins(
    ctx: typer.Context,
    include_all: Annotated[
        bool,
        typer.Option("--all", help="Also transforms, predicates and converters (Connect 3.2+)"),
    ] = False,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """List installed connector plugins (all plugin types with --all)."""
    if ctx.invoked_subcommand is not None:
        return ExitCode.OK  # the subcommand's exit code is the one that counts

    def body() -> Done:
        from kconnect.ops.plugins import list_plugins

        with connection.client() as client:
            rows = list_plugins(client, include_all=include_all)
        return Done(ExitCode.OK, {"plugins": rows}, lambda c: _render_plugins(rows, c))

    return run_command("plugins", output, body)


def _render_plugins(rows: list[dict[str, Any]], console: Console) -> None:
    table = [(r["type"] or "-", r["class"] or "-", r["version"] or "-") for r in rows]
    _table(console, ("TYPE", "CLASS", "VERSION"), table)


@plugins_app.command("snapshot")
@connected
def plugins_snapshot(
    out: Annotated[
        str,
        typer.Option("--out", metavar="DIR", help="Where to write the catalogs (commit it)"),
    ] = ".kconnect/plugins",
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Write the cluster's plugin catalogs (every key, with versions) for offline validate."""

    def body() -> Done:
        from pathlib import Path

        from kconnect.validate.snapshot import take_snapshot

        with connection.client() as client:
            result = take_snapshot(client, Path(out))
        return Done(
            ExitCode.OK,
            result,
            lambda c: c.print(f"wrote {len(result.plugins)} plugin catalog(s) to {result.folder}"),
        )

    return run_command("plugins snapshot", output, body)


@plugins_app.command("describe")
@connected
def plugins_describe(
    plugin: Annotated[
        str,
        typer.Argument(help="Plugin class or alias (e.g. FileStreamSource)", show_default=False),
    ],
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """A plugin's config definitions: name, type, default, importance, required."""

    def body() -> Done:
        from kconnect.ops.plugins import describe_plugin

        with connection.client() as client:
            description = describe_plugin(client, plugin)
        return Done(ExitCode.OK, description, lambda c: _render_plugin(description, c))

    return run_command("plugins describe", output, body)


def _render_plugin(description: PluginDescription, console: Console) -> None:
    def default(value: Any) -> str:
        return "-" if value is None else '""' if value == "" else str(value)

    rows = [
        (
            str(c["name"]),
            str(c["type"]),
            default(c["default"]),
            str(c["importance"] or "-"),
            "yes" if c["required"] else "no",
        )
        for c in description.configs
    ]
    _table(console, ("NAME", "TYPE", "DEFAULT", "IMPORTANCE", "REQUIRED"), rows)


# -- export ---------------------------------------------------------------------------------------


class ExportFormat(str, Enum):
    kconnect = "kconnect"
    strimzi = "strimzi"


class StrimziApiVersion(str, Enum):
    v1beta2 = "kafka.strimzi.io/v1beta2"
    v1 = "kafka.strimzi.io/v1"


@app.command()
@connected
def export(
    names: Annotated[
        list[str] | None, typer.Argument(help="Connectors (default: all)", show_default=False)
    ] = None,
    directory: Annotated[
        Path, typer.Option("--dir", "-d", help="Directory to write <name>.yaml files to")
    ] = Path("connectors.d"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files")] = False,
    export_format: Annotated[
        ExportFormat,
        typer.Option("--format", help="kconnect manifests, or Strimzi KafkaConnector resources"),
    ] = ExportFormat.kconnect,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help="With --format strimzi: the KafkaConnect name (strimzi.io/cluster label)",
            show_default=False,
        ),
    ] = None,
    api_version: Annotated[
        StrimziApiVersion,
        typer.Option("--api-version", help="With --format strimzi: the resources' apiVersion"),
    ] = StrimziApiVersion.v1beta2,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Write live connectors as manifests, secrets replaced by ${VAR} placeholders."""

    def body() -> Done:
        from kconnect.errors import UsageError
        from kconnect.ops.export import StrimziTarget, export_connectors, write_export
        from kconnect.planning.plan import live_config

        strimzi = None
        if export_format is ExportFormat.strimzi:
            from kconnect.manifests.strimzi import cluster_label_problem

            if not cluster:
                raise UsageError("--format strimzi needs --cluster NAME (the KafkaConnect name)")
            if why := cluster_label_problem(cluster):
                raise UsageError(f"--cluster: {why}")
            strimzi = StrimziTarget(cluster, api_version.value)
        elif cluster is not None:
            raise UsageError("--cluster is for --format strimzi")
        with connection.client() as client:
            live = client.list_expanded()
            register_manifest_secrets([live_config(e) for e in live.values()])
            exported = export_connectors(client, names or (), live=live, strimzi=strimzi)
        result = write_export(directory, exported, force=force)
        return Done(ExitCode.OK, result, lambda c: _render_export(result, c))

    return run_command("export", output, body)


def _render_export(result: ExportResult, console: Console) -> None:
    if not result.connectors:
        _text(console, "No connectors to export.")
        return
    for connector in result.connectors:
        state = f" ({connector.state})" if connector.state else ""
        _text(console, f"✓ {connector.name}{state} → {result.directory / connector.filename}")
    if result.variables:
        _text(console, "Set these variables before `kconnect plan`/`apply` (values not shown):")
        for variable in result.variables:
            _text(console, f"  {variable}")


# -- loggers --------------------------------------------------------------------------------------

loggers_app = typer.Typer(
    help="Show or change worker log levels (Connect 2.4+, KIP-495; scope: 3.7+, KIP-976).",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(loggers_app, name="loggers")


def _loggers_list(logger: str | None, output: Output, connection: Connection) -> int:
    def body() -> Done:
        from kconnect.ops.loggers import loggers

        with connection.client() as client:
            levels = loggers(client, logger)
        return Done(ExitCode.OK, {"loggers": levels}, lambda c: _render_loggers(levels, c))

    return run_command("loggers", output, body)


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
    _table(console, ("LOGGER", "LEVEL", "LAST MODIFIED"), rows)


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
        _text(console, f"✓ {change.logger} set to {change.level} on every worker", "green")
        return
    if change.cluster_ignored:
        _text(
            console,
            "warning: this worker is older than Connect 3.7 (KIP-976) and ignored "
            "--scope cluster: the level was set on the answering worker only",
            "yellow",
        )
    changed = ", ".join(change.changed) or "none (already at that level)"
    _text(console, f"✓ {change.logger} set to {change.level}; changed: {changed}", "green")


# -- version / info -------------------------------------------------------------------------------


def _info(command: str, output: Output, connection: Connection) -> int:
    def body() -> Done:
        from kconnect.ops.info import info

        with connection.client() as client:
            result = info(client, _context_name(connection))
        code = ExitCode.OK if result.error is None else ExitCode.ERROR
        return Done(code, result, lambda c: _render_info(result, c))

    return run_command(command, output, body)


def _context_name(connection: Connection) -> str | None:
    from kconnect.config.contexts import load_config

    context = load_config(os.environ).select(
        connection.context or os.environ.get("KCONNECT_CONTEXT")
    )
    return context.name if context else None


def _render_info(info: Info, console: Console) -> None:
    _text(console, f"kconnect:         {info.kconnect_version}")
    _text(console, f"url:              {info.url}")
    if info.context:
        _text(console, f"context:          {info.context}")
    if info.worker is None:
        _text(console, f"worker:           unreachable: {info.error}", "red")
        return
    worker = info.worker
    _text(console, f"worker version:   {worker.get('version', '-')}")
    _text(console, f"worker commit:    {worker.get('commit', '-')}")
    _text(console, f"kafka cluster id: {worker.get('kafka_cluster_id') or '-'}")


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


# -- contexts -------------------------------------------------------------------------------------

context_app = typer.Typer(
    help="Named clusters from the config file (~/.config/kconnect/config.yaml or "
    "$KCONNECT_CONFIG).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(context_app, name="context")


@context_app.command("list")
def context_list(output: OutputOpt = Output.text) -> int:
    """List the contexts; * marks the current one."""

    def body() -> Done:
        from kconnect.config.contexts import load_config

        config = load_config(os.environ)
        data = {
            "config": str(config.path),
            "current": config.current,
            "contexts": [c.to_dict() for c in config.contexts.values()],
        }
        return Done(ExitCode.OK, data, lambda c: _render_contexts(data, c))

    return run_command("context list", output, body)


def _render_contexts(data: dict[str, Any], console: Console) -> None:
    if not data["contexts"]:
        _text(console, f"No contexts in {data['config']}.")
        return
    rows = [
        (
            "*" if c["name"] == data["current"] else "",
            str(c["name"]),
            str(c["url"] or "-"),
            str(c["auth"]),
        )
        for c in data["contexts"]
    ]
    _table(console, ("CURRENT", "NAME", "URL", "AUTH"), rows)


@context_app.command("use")
def context_use(
    name: Annotated[str, typer.Argument(help="Context name", show_default=False)],
    output: OutputOpt = Output.text,
) -> int:
    """Make NAME the current context (edits current-context in the config file)."""

    def body() -> Done:
        from kconnect.config.contexts import use_context

        config = use_context(os.environ, name)
        data = {"config": str(config.path), "current": name}
        return Done(
            ExitCode.OK,
            data,
            lambda c: _text(c, f"✓ current context is now {name} ({config.path})", "green"),
        )

    return run_command("context use", output, body)


@context_app.command("show")
@connected
def context_show(
    name: Annotated[
        str | None,
        typer.Argument(help="Context (default: the selected one)", show_default=False),
    ] = None,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """The effective connection settings and where each comes from (secrets never shown)."""

    def body() -> Done:
        from kconnect.config.settings import resolve

        resolution = resolve(
            os.environ,
            url=connection.url,
            ca_cert=connection.ca_cert,
            insecure=connection.insecure,
            context=name or connection.context or os.environ.get("KCONNECT_CONTEXT"),
        )
        data = _show_data(resolution)
        code = ExitCode.ERROR if resolution.problems else ExitCode.OK
        return Done(code, data, lambda c: _render_show(data, c))

    return run_command("context show", output, body)


def _show_data(resolution: Resolution) -> dict[str, Any]:
    """Display-safe: credentials appear as "set"/"not set", never as values."""
    from kconnect.ops.info import redact_url

    s, origins = resolution.settings, resolution.origins

    def entry(value: Any, key: str) -> dict[str, Any]:
        return {"value": value, "from": origins.get(key, "not set")}

    verify = (
        "disabled" if s.verify is False else "system CA bundle" if s.verify is True else s.verify
    )
    return {
        "context": resolution.context,
        "config": str(resolution.config_path),
        "url": entry(redact_url(s.url), "url"),
        "auth": s.auth_kind,
        "username": entry(s.username, "username"),
        "password": entry("set" if s.password else "not set", "password"),
        "token": entry("set" if s.token else "not set", "token"),
        "tls_verify": entry(verify, "verify"),
        "client_cert": entry(s.client_cert[0] if s.client_cert else None, "client_cert"),
        "client_key": entry(s.client_cert[1] if s.client_cert else None, "client_key"),
        "problems": list(resolution.problems),
    }


def _render_show(data: dict[str, Any], console: Console) -> None:
    _text(console, f"context:     {data['context'] or '(none: flags and environment only)'}")
    _text(console, f"config file: {data['config']}")
    _text(console, f"auth:        {data['auth']}")
    shown = {"url", "tls_verify"}
    shown |= {"basic": {"username", "password"}, "bearer": {"token"}}.get(data["auth"], set())
    if data["client_cert"]["value"] is not None:
        shown |= {"client_cert", "client_key"}
    for key in ("url", "username", "password", "token", "tls_verify", "client_cert", "client_key"):
        item = data[key]
        if key not in shown and item["from"] == "not set":
            continue
        origin = "" if item["from"] == "not set" else f"  (from {item['from']})"
        _text(console, f"{key + ':':<12} {item['value'] or '-'}{origin}")
    for problem in data["problems"]:
        _text(console, f"error: {problem}", "red")
