"""Connectors named on the command line, or selected with `--match GLOB`, without typer: what
the commands that act on connectors by name (pause, resume, stop, restart, delete, status,
describe) share, for their typer commands (kconnect.cli.selection declares the arguments) and
for the typer-free path (kconnect.cli.fast).

`--match` is resolved against the live cluster, limited by the ownership scope (kconnect.yaml's
`owns:` found from the working directory, or `--owns`), and what it selected is listed on
stderr before anything is done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kconnect.errors import UsageError

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient
    from kconnect.planning.scope import Selection


def name_problem(names: list[str]) -> str | None:
    """Why a connector name from the command line cannot be sent, checked as a manifest's is
    before any request is made (`..` would send `DELETE /`, an empty name
    `DELETE /connectors/`); None when all can. Invisible characters are allowed here: another
    tool may have created such a connector."""
    from kconnect.manifests.names import validate_connector_name

    for name in names:
        if why := validate_connector_name(name, lookalikes=False):
            return why
    return None


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
    from kconnect.cli.runner import project_for

    scope = project_for(["."], owns).scope
    selection = select_connectors(names, match, client.list_names(), scope)
    if announce:
        _announce(selection)
    return selection


def _announce(selection: Selection) -> None:
    from kconnect.cli.columns import text
    from kconnect.output.console import text_console

    err = text_console(err=True)
    for pattern, names in selection.matched:
        text(err, f"--match {pattern} selects {len(names)} connector(s): {', '.join(names)}")
    if selection.not_owned:
        left = ", ".join(selection.not_owned)
        text(err, f"left alone (outside the ownership scope): {left}", "yellow")
