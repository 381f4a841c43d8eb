"""The arguments and options of the commands that act on connectors by name (pause, resume,
stop, restart, delete, status, describe), as typer declares them; what they do is in
kconnect.cli.named (typer-free, shared with kconnect.cli.fast)."""

from __future__ import annotations

from typing import Annotated

import typer

from kconnect.cli.named import name_problem


def checked_names(names: str | list[str] | None) -> str | list[str] | None:
    """Connector names from the command line, checked before any request is made
    (`kconnect.cli.named.name_problem`): a usage error names the first bad one."""
    if why := name_problem([names] if isinstance(names, str) else names or []):
        raise typer.BadParameter(why)
    return names


OptionalNamesArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Connector names (or select them with --match)",
        show_default=False,
        callback=checked_names,
    ),
]
AllNamesArg = Annotated[
    list[str] | None,
    typer.Argument(help="Connectors (default: all)", show_default=False, callback=checked_names),
]
MatchOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--match",
        help="Also act on every connector on the cluster whose name matches this glob "
        "(repeatable; each must match; limited by the ownership scope)",
        show_default=False,
    ),
]
MatchOwnsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--owns",
        help="With --match: the ownership scope (repeatable glob; overrides owns: in "
        "kconnect.yaml). Matches outside it are left alone",
        show_default=False,
    ),
]
