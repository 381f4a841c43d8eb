"""Commands that work from manifests: validate, plan (diff) and apply."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kconnect.cli.app import app
from kconnect.cli.common import (
    ConcurrencyOpt,
    Connection,
    Done,
    EnvFileOpt,
    Output,
    OutputOpt,
    PathsArg,
    PlanOutput,
    PruneOpt,
    YesOpt,
    confirm,
    connected,
    manifest_env,
    register_manifest_secrets,
    run_command,
    stdin_text,
)
from kconnect.errors import ExitCode

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient
    from kconnect.core import PlanReport, ValidationReport


OnlineOpt = Annotated[
    bool,
    typer.Option(
        "--online",
        help="Also validate each connector with the worker (and learn its PASSWORD keys)",
    ),
]


def _valid_manifests(
    client: ConnectClient | None, paths: list[str], env_file: Path | None
) -> ValidationReport:
    """Valid manifests, or `ManifestError` before anything is written; with a client, the
    worker validates too (only once the offline checks pass)."""
    from kconnect.core import load_valid

    report = load_valid(paths, manifest_env(env_file), stdin_text=stdin_text(paths), client=client)
    register_manifest_secrets([m.config for m in report.manifests])
    return report


def _plan_against(
    client: ConnectClient, report: ValidationReport, prune: bool
) -> tuple[PlanReport, dict[str, dict[str, Any]]]:
    from kconnect.core import make_plan
    from kconnect.planning.plan import live_config

    plan_report, live = make_plan(client, report, prune=prune)
    register_manifest_secrets([live_config(entry) for entry in live.values()])
    return plan_report, live


@app.command()
@connected
def validate(
    paths: PathsArg,
    online: OnlineOpt = False,
    env_file: EnvFileOpt = None,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Check manifests: schema, per-connector rules and pipeline lint. Exit 1 on any error."""

    def body() -> Done:
        from kconnect.core import validate as validate_manifests
        from kconnect.output.render import render_validation

        env, text = manifest_env(env_file), stdin_text(paths)
        if online:
            with connection.client() as client:
                report = validate_manifests(paths, env, client=client, stdin_text=text)
        else:
            report = validate_manifests(paths, env, stdin_text=text)
        register_manifest_secrets([m.config for m in report.manifests])
        code = ExitCode.OK if report.ok else ExitCode.ERROR
        return Done(code, report, lambda c: render_validation(report, c))

    return run_command("validate", output, body)


@app.command()
@connected
def plan(
    paths: PathsArg,
    prune: Annotated[
        bool, typer.Option("--prune", help="Also plan deleting connectors no manifest declares")
    ] = False,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            help="Exit 0 when nothing would change, 2 when changes are pending",
        ),
    ] = False,
    online: OnlineOpt = False,
    env_file: EnvFileOpt = None,
    output: Annotated[
        PlanOutput, typer.Option("--output", "-o", help="Output format")
    ] = PlanOutput.text,
    *,
    connection: Connection,
) -> int:
    """Show what apply would change on the cluster (secrets masked). Sends no writes."""

    def body() -> Done:
        from kconnect.output.render import plan_markdown, render_plan

        with connection.client() as client:
            report = _valid_manifests(client if online else None, paths, env_file)
            plan_report, _live = _plan_against(client, report, prune)
        pending = detailed_exitcode and plan_report.plan.has_changes
        code = ExitCode.CHANGES_PENDING if pending else ExitCode.OK
        markdown = plan_markdown(plan_report) if output is PlanOutput.markdown else None
        return Done(code, plan_report, lambda c: render_plan(plan_report, c), raw_text=markdown)

    return run_command("plan", output, body)


# `diff` is what kubectl and kcctl users type; same command, same flags.
app.command("diff", help="Alias of plan.")(plan)


@app.command()
@connected
def apply(
    paths: PathsArg,
    prune: PruneOpt = False,
    yes: YesOpt = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait", help="Wait until applied connectors and their tasks reach their state"
        ),
    ] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to --wait", min=0)] = 300.0,
    concurrency: ConcurrencyOpt = None,
    online: OnlineOpt = False,
    env_file: EnvFileOpt = None,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Make the cluster match the manifests: write only what changed."""

    def body() -> Done:
        from kconnect import core
        from kconnect.output.console import console
        from kconnect.output.render import render_apply, render_plan

        with connection.client() as client:
            report = _valid_manifests(client if online else None, paths, env_file)
            plan_report, live = _plan_against(client, report, prune)
            if output is Output.text:
                render_plan(plan_report, console())
            deletes = plan_report.plan.counts.get("delete", 0)
            if deletes:
                confirm(
                    f"Delete {deletes} connector(s)?", yes=yes, what="deleting connectors (--prune)"
                )
            result = core.apply(
                client,
                plan_report.plan,
                report.manifests,
                live,
                concurrency=concurrency,
                wait=wait,
                timeout=timeout,
            )
        if result.result.failed:
            code = ExitCode.ERROR
        elif result.wait is not None and not result.wait.ok:
            code = ExitCode.UNHEALTHY
        else:
            code = ExitCode.OK
        return Done(code, result, lambda c: render_apply(result, c))

    return run_command("apply", output, body)
