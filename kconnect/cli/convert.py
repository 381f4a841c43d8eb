"""`kconnect convert`: Connect JSON and .properties connector files as kconnect YAML (logic in
`kconnect.ops.convert`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kconnect.cli.app import app
from kconnect.cli.common import Done, Output, OutputOpt, project_key_rules, run_command
from kconnect.errors import ExitCode


@app.command()
def convert(
    files: Annotated[
        list[str],
        typer.Argument(help="Connect JSON (*.json) or .properties files", show_default=False),
    ],
    directory: Annotated[
        Path,
        typer.Option("--dir", "-d", help="Directory to write <name>.yaml files to (- for stdout)"),
    ] = Path("connectors.d"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files")] = False,
    output: OutputOpt = Output.text,
) -> int:
    """Write Connect JSON and .properties connector files as kconnect YAML manifests."""

    def body() -> Done:
        from kconnect.cli.export import _render_export
        from kconnect.errors import UsageError
        from kconnect.ops.convert import convert_files
        from kconnect.ops.export import ExportResult, export_stream, write_export

        to_stdout = str(directory) == "-"
        if to_stdout and output is Output.json:
            raise UsageError(
                "--dir - writes the YAML to stdout; it cannot be combined with -o json"
            )
        # The kconnect.yaml found from the working directory, as `export` reads it.
        converted = convert_files(files, project_key_rules())
        if to_stdout:
            from kconnect.output.console import console, write_document

            write_document(export_stream(converted))
            result = ExportResult(None, tuple(converted))
            _render_export(result, console(err=True))
            return Done(ExitCode.OK, result)
        result = write_export(directory, converted, force=force)
        return Done(ExitCode.OK, result, lambda c: _render_export(result, c))

    return run_command("convert", output, body)
