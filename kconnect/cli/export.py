"""`kconnect export`: live connectors as manifests (logic in `kconnect.ops.export`)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kconnect.cli.app import app
from kconnect.cli.columns import text
from kconnect.cli.common import (
    Connection,
    Done,
    Output,
    OutputOpt,
    connected,
    project_key_rules,
    register_manifest_secrets,
    run_command,
)
from kconnect.cli.selection import AllNamesArg
from kconnect.errors import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from kconnect.ops.export import ExportedConnector, ExportResult


class ExportFormat(str, Enum):
    kconnect = "kconnect"
    strimzi = "strimzi"


class StrimziApiVersion(str, Enum):
    v1beta2 = "kafka.strimzi.io/v1beta2"
    v1 = "kafka.strimzi.io/v1"


@app.command()
@connected
def export(
    names: AllNamesArg = None,
    directory: Annotated[
        Path,
        typer.Option(
            "--dir",
            "-d",
            help="Directory to write <name>.yaml files to; -: one YAML stream on stdout",
        ),
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
        typer.Option(
            "--api-version",
            help="With --format strimzi: the resources' apiVersion "
            "(v1 for Strimzi 0.49 and later; v1beta2 only for Strimzi before 1.0)",
        ),
    ] = StrimziApiVersion.v1,
    output: OutputOpt = Output.text,
    *,
    connection: Connection,
) -> int:
    """Write live connectors as manifests, secrets replaced by ${VAR} placeholders."""

    def body() -> Done:
        from kconnect.api.live import live_config
        from kconnect.errors import UsageError
        from kconnect.ops.export import StrimziTarget, export_connectors

        check_dir_output(directory, output)
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
            rules = project_key_rules()
            live = client.list_expanded()
            sensitive = frozenset().union(*(rules.sensitive_for(n) for n in live))
            register_manifest_secrets([live_config(e) for e in live.values()], sensitive)
            refused: list[tuple[str, str]] = []
            exported = export_connectors(
                client, names or (), live=live, strimzi=strimzi, refused=refused, key_rules=rules
            )
        return write_manifests(exported, directory, force=force, refused=refused)

    return run_command("export", output, body)


def check_dir_output(directory: Path, output: Output) -> None:
    """`--dir -` writes the YAML to stdout, so it cannot also carry a JSON result."""
    from kconnect.errors import UsageError

    if str(directory) == "-" and output is Output.json:
        raise UsageError("--dir - writes the YAML to stdout; it cannot be combined with -o json")


def write_manifests(
    connectors: Sequence[ExportedConnector],
    directory: Path,
    *,
    force: bool,
    refused: Sequence[tuple[str, str]] = (),
) -> Done:
    """`connectors` as one YAML stream on stdout (`--dir -`), else as files in `directory`;
    exit 1 when a connector was `refused` (name, why)."""
    from kconnect.ops.export import ExportResult, export_stream, write_export

    if str(directory) == "-":
        from kconnect.output.console import console, write_document

        write_document(export_stream(connectors))
        result = ExportResult(None, tuple(connectors), refused=tuple(refused))
        # stdout is the YAML: what was exported, and what to set, goes to stderr
        _render_export(result, console(err=True))
        return Done(ExitCode.OK if result.ok else ExitCode.ERROR, result)
    result = write_export(directory, connectors, force=force)
    if refused:
        result = ExportResult(result.directory, result.connectors, refused=tuple(refused))
    code = ExitCode.OK if result.ok else ExitCode.ERROR
    return Done(code, result, lambda c: _render_export(result, c))


def _render_export(result: ExportResult, console: Console) -> None:
    for name, why in result.refused:
        text(console, f"✗ {name}: not exported: {why}", "red")
    if not result.connectors:
        if not result.refused:
            text(console, "No connectors to export.")
        return
    for connector in result.connectors:
        state = f" ({connector.state})" if connector.state else ""
        where = "stdout" if result.directory is None else result.directory / connector.filename
        text(console, f"✓ {connector.name}{state} → {where}")
    if result.variables:
        text(console, "Set these variables before `kconnect plan`/`apply` (values not shown):")
        for variable in result.variables:
            text(console, f"  {variable}")
