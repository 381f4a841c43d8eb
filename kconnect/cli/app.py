"""Builds the typer application from the command modules."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from kconnect import __version__
from kconnect.cli import ROOT_HELP, VERSION_HELP


class _RootGroup(TyperGroup):
    """Lists every command from `COMMANDS` even when only the invoked one was imported."""

    def list_commands(self, ctx: Any) -> list[str]:
        from kconnect.cli import COMMANDS

        return list(COMMANDS)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        from kconnect.cli import COMMANDS

        # Shortened exactly as a loaded command's help is, by the same command class.
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, TyperCommand(name=name, help=summary).get_short_help_str(limit))
            for name, (_module, summary) in COMMANDS.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _argument_metavar(self: TyperArgument, ctx: Any, *, usage: bool = False) -> str:
    """`PATH...`, `[NAME]...` in usage lines, as click writes them: typer 0.28 writes a
    required argument as `{paths}...`, which reads like a template nobody filled in."""
    if not usage:
        return _typer_argument_metavar(self, ctx, usage=usage)
    var = self.metavar or (self.name or "").upper()
    if self.nargs != 1:
        var += "..."
    return var if self.required else f"[{var}]"


_typer_argument_metavar = TyperArgument.make_metavar
TyperArgument.make_metavar = _argument_metavar  # type: ignore[method-assign]


app = typer.Typer(
    cls=_RootGroup,
    name="kconnect",
    help=ROOT_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from kconnect.output.console import write_text

        write_text(f"kconnect {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help=VERSION_HELP,
    ),
) -> None:
    """Kafka Connect connectors as code."""


def build_app(args: Sequence[str] | None = None) -> Any:
    """The click command (typer's vendored click, or click itself) for this command line;
    see `command_modules` for what gets imported."""
    from kconnect.cli import command_modules

    for module in command_modules(args):
        importlib.import_module(module)
    return typer.main.get_command(app)
