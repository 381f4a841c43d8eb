"""`kconnect convert`: Connect JSON and .properties connector files as kconnect YAML (logic in
`kconnect.ops.convert`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kconnect.cli.app import app
from kconnect.cli.common import Done, Output, OutputOpt, project_key_rules, run_command


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
        from kconnect.cli.export import check_dir_output, write_manifests
        from kconnect.ops.convert import convert_files

        check_dir_output(directory, output)
        # The kconnect.yaml found from the working directory, as `export` reads it.
        converted = convert_files(files, project_key_rules())
        return write_manifests(converted, directory, force=force)

    return run_command("convert", output, body)
