"""`kconnect schema`: the bundled JSON Schemas, for editors and other tools."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kconnect.cli.app import app
from kconnect.cli.common import Done, Output, run_command
from kconnect.errors import ExitCode, KconnectError


@app.command()
def schema(
    connector_class: Annotated[
        str | None,
        typer.Argument(
            metavar="CLASS",
            help="Connector class (or its short name, e.g. MySqlConnector); "
            "without it, the manifest schema",
            show_default=False,
        ),
    ] = None,
    list_classes: Annotated[
        bool, typer.Option("--list", help="List the connector classes that have a schema")
    ] = False,
) -> int:
    """Print the manifest JSON Schema, or a connector class's config schema, as JSON.

    Editors (yaml-language-server) pick the manifest schema up from a first line like
    `# yaml-language-server: $schema=https://kconnect.dev/schemas/manifest.schema.json`."""

    def body() -> Done:
        import json

        from kconnect import catalogs as schemas

        if list_classes:
            return Done(ExitCode.OK, raw_text="".join(c + "\n" for c in schemas.known_classes()))
        document = (
            schemas.manifest_schema() if connector_class is None else _connector(connector_class)
        )
        return Done(ExitCode.OK, raw_text=json.dumps(document, indent=2) + "\n")

    return run_command("schema", Output.text, body)


def _connector(name: str) -> dict[str, Any]:
    from kconnect import catalogs as schemas

    known = schemas.known_classes()
    matches = [c for c in known if c == name] or [c for c in known if c.rsplit(".", 1)[-1] == name]
    if len(matches) == 1:
        document = schemas.connector_schema(matches[0])
        if document is not None:
            return document
    from kconnect.validate.schema_gen import catalog_schema

    generated = catalog_schema(name)
    if generated is not None:
        return generated
    listing = "".join(f"\n  {c}" for c in known)
    raise KconnectError(f"no bundled schema for connector class {name!r}; known classes:{listing}")
