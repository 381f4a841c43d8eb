"""`--match GLOB` for the commands that act on connectors by name (pause, resume, stop,
restart, delete, status, describe): resolved against the live cluster, limited by the ownership
scope (kconnect.yaml's `owns:` found from the working directory, or `--owns`), and listed on
stderr before anything is done."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kconnect.errors import UsageError

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient
    from kconnect.planning.scope import Selection


def checked_names(names: str | list[str] | None) -> str | list[str] | None:
    """Connector names from the command line, checked as a manifest's are before any request
    is made: `..` would send `DELETE /`, an empty name `DELETE /connectors/`. Invisible
    characters are allowed here: another tool may have created such a connector."""
    from kconnect.manifests.names import validate_connector_name

    for name in [names] if isinstance(names, str) else names or ():
        if why := validate_connector_name(name, lookalikes=False):
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


def optional_names(names: list[str] | None, match: list[str] | None) -> list[str]:
    """The names given; refuses a command given neither names nor `--match`."""
    if not names and not match:
        raise UsageError("name the connectors, or select them with --match GLOB")
    return list(names or ())


def select(
    client: ConnectClient,
    names: list[str],
    match: list[str] | None,
    owns: list[str] | None,
    *,
    announce: bool,
) -> Selection:
    """The connectors to act on. With `--match`, the live names are listed once, and what
    matched is written to stderr (unless `announce` is False, as for JSON output)."""
    from kconnect.planning.scope import Selection, select_connectors

    if not match:
        if owns:
            raise UsageError("--owns is for --match (named connectors are acted on as given)")
        return Selection(tuple(dict.fromkeys(names)))
    from kconnect.cli.common import project_for

    scope = project_for(["."], owns).scope
    selection = select_connectors(names, match, client.list_names(), scope)
    if announce:
        _announce(selection)
    return selection


def _announce(selection: Selection) -> None:
    from kconnect.cli.columns import text
    from kconnect.output.console import console

    err = console(err=True)
    for pattern, names in selection.matched:
        text(err, f"--match {pattern} selects {len(names)} connector(s): {', '.join(names)}")
    if selection.not_owned:
        left = ", ".join(selection.not_owned)
        text(err, f"left alone (outside the ownership scope): {left}", "yellow")
