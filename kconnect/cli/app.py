"""Builds the typer application from the command modules."""

from __future__ import annotations

import importlib
from typing import Any

import typer

from kconnect import __version__

app = typer.Typer(
    name="kconnect",
    help=(
        "Kafka Connect connectors as code: validate YAML manifests, plan the changes against "
        "a live cluster, apply them, and check health.\n\n"
        "Exit codes: 0 ok, 1 error, 2 changes pending (plan --detailed-exitcode), "
        "3 unhealthy, 64 usage error, 130 interrupted."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kconnect {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Show kconnect's version and exit.",
    ),
) -> None:
    """Kafka Connect connectors as code."""


def build_app() -> Any:  # a click Command, from typer's vendored click or click itself
    from kconnect.cli import COMMAND_MODULES

    for module in COMMAND_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return typer.main.get_command(app)
