"""The bodies of `validate` and `plan` (and apply's validation and planning), without typer.

The typer commands (kconnect.cli.manifests) and the fast path (kconnect.cli.fast) both run these
with the options they parsed, so the two can differ only in parsing the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kconnect.cli.runner import (
    Connection,
    Done,
    PlanOutput,
    manifest_env,
    project_for,
    register_manifest_secrets,
    stdin_text,
)
from kconnect.errors import ExitCode

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient
    from kconnect.core import PlanReport, ValidationReport
    from kconnect.planning.project import Project


def valid_manifests(
    client: ConnectClient | None, paths: list[str], env_file: Path | None, project: Project
) -> ValidationReport:
    """Valid manifests, or `ManifestError` before anything is written; with a client, the
    worker validates too (only once the offline checks pass)."""
    from kconnect.core import load_valid

    report = load_valid(
        paths,
        manifest_env(env_file),
        stdin_text=stdin_text(paths),
        client=client,
        scope=project.scope,
        key_rules=project.keys,
    )
    return report  # core.validate has registered the manifests' secrets


def plan_against(
    client: ConnectClient,
    report: ValidationReport,
    prune: bool,
    project: Project,
    targets: Sequence[str] = (),
) -> tuple[PlanReport, dict[str, dict[str, Any]]]:
    from kconnect.api.live import live_config
    from kconnect.core import make_plan

    plan_report, live = make_plan(
        client,
        report,
        prune=prune,
        scope=project.scope,
        targets=targets,
        limits=project.limits,
        acknowledge=project.acknowledge,
    )
    register_manifest_secrets([live_config(e) for e in live.values()], report.sensitive_keys)
    return plan_report, live


def validate_body(
    paths: list[str],
    *,
    online: bool,
    owns: list[str] | None,
    env_file: Path | None,
    strict: bool,
    catalog: str | None,
    connection: Connection,
) -> Done:
    from kconnect.cli.render import render_validation
    from kconnect.core import validate as validate_manifests

    project = project_for(paths, owns)
    env, text = manifest_env(env_file), stdin_text(paths)

    def check(client: ConnectClient | None = None) -> ValidationReport:
        return validate_manifests(
            paths,
            env,
            client=client,
            stdin_text=text,
            scope=project.scope,
            strict=strict,
            catalog_dir=catalog,
            key_rules=project.keys,
        )

    if online:
        with connection.client() as client:
            report = check(client)
    else:
        report = check()
    # core.validate has registered the manifests' secrets (before any request).
    code = ExitCode.OK if report.ok else ExitCode.ERROR
    return Done(code, report, lambda c: render_validation(report, c))


def plan_body(
    paths: list[str],
    *,
    prune: bool,
    detailed_exitcode: bool,
    owns: list[str] | None,
    target: list[str] | None,
    out: Path | None,
    max_deletes: int | None,
    max_delete_percent: float | None,
    online: bool,
    env_file: Path | None,
    output: PlanOutput,
    connection: Connection,
) -> Done:
    from kconnect.cli.render import plan_markdown, render_plan
    from kconnect.planning.scope import check_targets

    project = project_for(paths, owns, max_deletes, max_delete_percent)
    targets = check_targets(target or [])
    with connection.client() as client:
        report = valid_manifests(client if online else None, paths, env_file, project)
        plan_report, live = plan_against(client, report, prune, project, targets)
        if out is not None:
            _save_plan(out, client, plan_report, live, paths, prune, project, targets)
    pending = detailed_exitcode and plan_report.plan.has_changes
    code = ExitCode.CHANGES_PENDING if pending else ExitCode.OK
    markdown = plan_markdown(plan_report) if output is PlanOutput.markdown else None
    # Pending changes show in the envelope whatever the flag: a CI script reading
    # `status` must not be told "ok" while the plan would write.
    status = "changes" if plan_report.plan.has_changes else "ok"
    return Done(
        code,
        plan_report,
        lambda c: render_plan(plan_report, c),
        raw_text=markdown,
        status=status,
    )


def _save_plan(
    out: Path,
    client: ConnectClient,
    plan_report: PlanReport,
    live: dict[str, dict[str, Any]],
    paths: list[str],
    prune: bool,
    project: Project,
    targets: Sequence[str],
) -> None:
    from kconnect.manifests.model import password_keys_for
    from kconnect.planning.saved import PlanOptions, plan_document, public_url, write_plan_file

    options = PlanOptions(public_url(client.settings.url), prune, project.scope, tuple(targets))
    doc = plan_document(
        plan_report.plan,
        options,
        plan_report.validation.manifests,
        live,
        paths=paths,
        password_keys_for=password_keys_for,
    )
    write_plan_file(out, doc)
