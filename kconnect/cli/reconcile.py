"""`kconnect reconcile`: keep the cluster equal to the manifests (GitOps loop)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kconnect.cli.app import app
from kconnect.cli.common import (
    ConcurrencyOpt,
    Connection,
    EnvFileOpt,
    MaxDeletePercentOpt,
    MaxDeletesOpt,
    Output,
    OutputOpt,
    OwnsOpt,
    PruneOpt,
    connected,
    finite,
    manifest_env,
)
from kconnect.errors import KconnectError

if TYPE_CHECKING:
    from kconnect.reconcile.events import EventLog

# Re-read every cycle, so stdin (`-`) makes no sense here.
ReconcilePathsArg = Annotated[
    list[str],
    typer.Argument(
        help="Manifest files or directories (*.yaml, *.yml, recursively)", show_default=False
    ),
]


@app.command()
@connected
def reconcile(
    paths: ReconcilePathsArg,
    interval: Annotated[
        str, typer.Option("--interval", help="Time between cycles: 30s, 5m, 1h or seconds")
    ] = "30s",
    prune: PruneOpt = False,
    owns: OwnsOpt = None,
    max_deletes: MaxDeletesOpt = None,
    max_delete_percent: MaxDeletePercentOpt = None,
    auto_restart: Annotated[
        bool,
        typer.Option(
            "--auto-restart",
            help="Restart FAILED connectors and tasks, with a growing backoff per connector",
        ),
    ] = False,
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="Run one cycle and exit: 0 ok, 1 error, 3 unhealthy (as apply --wait)"
        ),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            help="With --once: seconds to wait for written connectors",
            parser=finite(min=0),
        ),
    ] = 300.0,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            help="Serve Prometheus /metrics and /healthz on this port (0: any free port)",
            min=0,
            max=65535,
            show_default=False,
        ),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option("--metrics-host", help="Address the metrics endpoint binds to")
    ] = "127.0.0.1",
    restart_backoff: Annotated[
        str, typer.Option("--restart-backoff", help="First wait between automatic restarts")
    ] = "1m",
    restart_backoff_max: Annotated[
        str, typer.Option("--restart-backoff-max", help="Longest wait between automatic restarts")
    ] = "30m",
    restart_reset: Annotated[
        str,
        typer.Option("--restart-reset", help="Healthy for this long resets a connector's backoff"),
    ] = "10m",
    concurrency: ConcurrencyOpt = None,
    env_file: EnvFileOpt = None,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Keep the cluster equal to the manifests: plan and apply every --interval, check health,
    optionally restart FAILED connectors. Logs one line per event (JSON lines with -o json).
    SIGTERM or SIGINT stops it cleanly (exit 0)."""
    from kconnect.reconcile.events import EventLog

    events = EventLog(json_lines=output is Output.json)
    try:
        return _reconcile(
            events,
            paths,
            interval=interval,
            prune=prune,
            sharing=(tuple(owns or ()), max_deletes, max_delete_percent),
            auto_restart=auto_restart,
            once=once,
            timeout=timeout,
            metrics_address=None if metrics_port is None else (metrics_host, metrics_port),
            restart=(restart_backoff, restart_backoff_max, restart_reset),
            concurrency=concurrency,
            connection=connection,
            env_file=env_file,
        )
    except KconnectError as exc:
        events.emit("error", exc.message, level="error", result="error")
        return int(exc.exit_code)


def _reconcile(
    events: EventLog,
    paths: list[str],
    *,
    interval: str,
    prune: bool,
    sharing: tuple[tuple[str, ...], int | None, float | None],
    auto_restart: bool,
    once: bool,
    timeout: float,
    metrics_address: tuple[str, int] | None,
    restart: tuple[str, str, str],
    concurrency: int | None,
    connection: Connection,
    env_file: Path | None,
) -> int:
    from kconnect.errors import ConfigError, UsageError
    from kconnect.planning.scope import Scope
    from kconnect.reconcile.durations import parse_duration
    from kconnect.reconcile.loop import ReconcileOptions, Reconciler, run_until_signalled
    from kconnect.reconcile.metrics import MetricsServer, ReconcileMetrics
    from kconnect.reconcile.restarts import RestartPolicy

    def check_owns(patterns: tuple[str, ...]) -> tuple[str, ...]:
        # A bad --owns is a usage error at start, not an invalid cycle every interval.
        return Scope.of(patterns, "--owns").patterns or () if patterns else ()

    if "-" in paths:
        raise UsageError(
            "reconcile re-reads its manifests every cycle: give files or directories, not -"
        )
    policy = RestartPolicy(
        base=parse_duration(restart[0], what="--restart-backoff"),
        cap=parse_duration(restart[1], what="--restart-backoff-max"),
        reset_after=parse_duration(restart[2], what="--restart-reset"),
    )
    options = ReconcileOptions(
        paths=tuple(paths),
        interval=parse_duration(interval, what="--interval"),
        prune=prune,
        auto_restart=auto_restart,
        restart=policy,
        concurrency=concurrency,
        settle_timeout=timeout,
        owns=check_owns(sharing[0]),
        max_deletes=sharing[1],
        max_delete_percent=sharing[2],
    )
    metrics = ReconcileMetrics()
    server: MetricsServer | None = None
    with connection.client(patient=True) as client:
        reconciler = Reconciler(
            client, options, env=lambda: manifest_env(env_file), events=events, metrics=metrics
        )
        if metrics_address is not None:
            host, port = metrics_address
            try:
                server = MetricsServer(metrics, host=host, port=port).start()
            except OSError as exc:
                raise ConfigError(f"cannot serve metrics on {host}:{port}: {exc}") from None
            events.emit(
                "metrics",
                f"serving metrics on {server.url}/metrics and {server.url}/healthz",
                url=server.url,
                port=server.port,
            )
        try:
            if once:
                return int(reconciler.run_cycle(settle=True).exit_code)
            return run_until_signalled(reconciler)
        finally:
            if server is not None:
                server.stop()
