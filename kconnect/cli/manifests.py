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
    MaxDeletePercentOpt,
    MaxDeletesOpt,
    Output,
    OutputOpt,
    OwnsOpt,
    PathsArg,
    PlanOutput,
    PruneOpt,
    TargetOpt,
    YesOpt,
    confirm,
    connected,
    finite,
    project_for,
    run_command,
)
from kconnect.cli.manifest_bodies import plan_against, plan_body, valid_manifests, validate_body
from kconnect.errors import ExitCode
from kconnect.records import replace

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient
    from kconnect.core import ApplyReport, PlanReport, ValidationReport
    from kconnect.planning.project import Project


OnlineOpt = Annotated[
    bool,
    typer.Option(
        "--online",
        help="Also validate each connector with the worker (and learn its PASSWORD keys)",
    ),
]


@app.command()
@connected
def validate(
    paths: PathsArg,
    online: OnlineOpt = False,
    owns: OwnsOpt = None,
    env_file: EnvFileOpt = None,
    output: OutputOpt = Output.text,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat every warning as an error (for CI gates)")
    ] = False,
    catalog: Annotated[
        str | None,
        typer.Option(
            "--catalog",
            metavar="DIR",
            help="Plugin catalogs to validate against (default: the nearest .kconnect/plugins/)",
            show_default=False,
        ),
    ] = None,
    *,
    connection: Connection,
) -> int:
    """Check manifests: schema, per-connector rules and pipeline lint. Exit 1 on any error."""

    def body() -> Done:
        return validate_body(
            paths,
            online=online,
            owns=owns,
            env_file=env_file,
            strict=strict,
            catalog=catalog,
            connection=connection,
        )

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
    owns: OwnsOpt = None,
    target: TargetOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also write the plan to FILE (JSON, no secret values) for `apply --plan`",
            show_default=False,
        ),
    ] = None,
    max_deletes: MaxDeletesOpt = None,
    max_delete_percent: MaxDeletePercentOpt = None,
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
        return plan_body(
            paths,
            prune=prune,
            detailed_exitcode=detailed_exitcode,
            owns=owns,
            target=target,
            out=out,
            max_deletes=max_deletes,
            max_delete_percent=max_delete_percent,
            online=online,
            env_file=env_file,
            output=output,
            connection=connection,
        )

    return run_command("plan", output, body)


# `diff` is what kubectl and kcctl users type; same command, same flags.
app.command("diff", help="Alias of plan.")(plan)


ApplyPathsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Manifest files or directories (*.yaml, *.yml, recursively); - for stdin. "
        "With --plan: default, the paths the plan was made from",
        show_default=False,
    ),
]


@app.command()
@connected
def apply(
    paths: ApplyPathsArg = None,
    prune: PruneOpt = False,
    yes: YesOpt = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait", help="Wait until applied connectors and their tasks reach their state"
        ),
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to --wait", parser=finite(min=0))
    ] = 300.0,
    concurrency: ConcurrencyOpt = None,
    owns: OwnsOpt = None,
    target: TargetOpt = None,
    saved_plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Apply exactly this reviewed plan (from `plan --out`); refused, with no "
            "write, if the cluster or the manifests changed since",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Apply a plan that passes a safe-plan limit or holds unacknowledged dangers",
        ),
    ] = False,
    max_deletes: MaxDeletesOpt = None,
    max_delete_percent: MaxDeletePercentOpt = None,
    online: OnlineOpt = False,
    env_file: EnvFileOpt = None,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Make the cluster match the manifests: write only what changed."""

    def body() -> Done:
        from kconnect import core
        from kconnect.cli.render import render_apply, render_plan
        from kconnect.errors import UsageError
        from kconnect.output.console import console
        from kconnect.planning.scope import check_targets

        chosen = list(paths or [])
        doc = None
        if saved_plan is not None:
            from kconnect.planning.saved import read_plan_file

            if target:
                raise UsageError("--plan applies the targets it was made with; drop --target")
            doc = read_plan_file(saved_plan)
            chosen = chosen or [str(p) for p in doc["paths"]]
        elif not chosen:
            raise UsageError("give manifest files or directories to apply (or --plan FILE)")
        project = project_for(chosen, owns, max_deletes, max_delete_percent)
        targets = check_targets(target or [])
        with connection.client() as client:
            report = valid_manifests(client if online else None, chosen, env_file, project)
            if doc is not None and saved_plan is not None:
                plan_report, live = _replan_saved(
                    saved_plan, doc, client, report, chosen, prune, project
                )
            else:
                plan_report, live = plan_against(client, report, prune, project, targets)
            if output is Output.text:
                render_plan(plan_report, console())
            # Before any write and before asking: a refused plan needs no confirmation.
            plan_report.refuse_if_unsafe(force=force)
            deletes = plan_report.plan.counts.get("delete", 0)
            if deletes:
                confirm(
                    f"Delete {deletes} connector(s)?", yes=yes, what="deleting connectors (--prune)"
                )
            from kconnect.cli.interrupt import stop_on_ctrl_c
            from kconnect.cli.progress import progress_display

            with stop_on_ctrl_c() as interrupt, progress_display(output.value) as progress:
                result = core.apply(
                    client,
                    plan_report.plan,
                    # With --plan, their `ignore_keys` are the plan file's.
                    plan_report.validation.manifests,
                    live,
                    concurrency=concurrency,
                    wait=wait,
                    timeout=timeout,
                    progress=progress,
                    interrupt=interrupt,
                )
        verbose = connection.verbose > 0
        return Done(_apply_code(result), result, lambda c: render_apply(result, c, verbose=verbose))

    return run_command("apply", output, body)


def _apply_code(result: ApplyReport) -> ExitCode:
    if result.interrupted:
        return ExitCode.INTERRUPTED
    if result.result.failed:
        return ExitCode.ERROR
    if result.wait is not None and not result.wait.ok:
        return ExitCode.UNHEALTHY
    return ExitCode.OK


def _replan_saved(
    path: Path,
    doc: dict[str, Any],
    client: ConnectClient,
    report: ValidationReport,
    paths: list[str],
    prune: bool,
    project: Project,
) -> tuple[PlanReport, dict[str, dict[str, Any]]]:
    """Plan again with the saved plan's options and salt; `PlanFileError` (nothing written)
    unless the result is exactly the saved plan."""
    from kconnect.manifests.model import password_keys_for
    from kconnect.planning.saved import (
        PlanFileError,
        PlanOptions,
        differences,
        plan_document,
        public_url,
        saved_options,
        with_saved_ignore_keys,
    )

    saved = saved_options(doc)
    here = public_url(client.settings.url)
    if saved.cluster != here:
        raise PlanFileError(
            f"{path}: the plan was made for the cluster at {saved.cluster}, not {here}; "
            "nothing was written"
        )
    if saved.prune != prune:
        raise PlanFileError(
            f"{path}: the plan was made "
            + (
                "with --prune: pass --prune to apply it (its deletes need your consent)"
                if saved.prune
                else "without --prune: apply it without --prune, or make a new plan"
            )
            + "; nothing was written"
        )
    if saved.scope.patterns != project.scope.patterns:
        raise PlanFileError(
            f"{path}: the plan was made for the ownership scope ({saved.scope.describe()}), "
            f"but here it is ({project.scope.describe()}); nothing was written"
        )
    # The plan file's `ignore_keys` win over today's: they are what the reviewer saw.
    report = replace(report, manifests=tuple(with_saved_ignore_keys(doc, report.manifests)))
    plan_report, live = plan_against(client, report, prune, project, saved.targets)
    fresh = plan_document(
        plan_report.plan,
        PlanOptions(here, prune, project.scope, saved.targets),
        report.manifests,
        live,
        paths=paths,
        password_keys_for=password_keys_for,
        salt=doc["salt"],
    )
    found = differences(doc, fresh)
    if found:
        shown = "; ".join(found[:10]) + (f"; and {len(found) - 10} more" if len(found) > 10 else "")
        raise PlanFileError(
            f"{path}: the saved plan is stale, nothing was written: {shown}. "
            "Review a new plan (`kconnect plan --out`)"
        )
    return plan_report, live
