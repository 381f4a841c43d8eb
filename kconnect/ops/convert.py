"""`kconnect convert`: Connect JSON and `.properties` connector files written as kconnect YAML
manifests, secrets replaced by `${VAR}` placeholders as `export` does."""

from __future__ import annotations

from collections.abc import Sequence

from kconnect.errors import InputError, ManifestError
from kconnect.ops.export import ExportedConnector, _unique, render_manifest, safe_filename


def convert_files(paths: Sequence[str]) -> list[ExportedConnector]:
    """Every connector in `paths`, rendered; `ManifestError` (every problem, file:line) if a
    file cannot be read as JSON or .properties, or names a connector twice."""
    from kconnect.diagnostics import Location, Problem
    from kconnect.manifests.collector import Collector
    from kconnect.manifests.formats import format_of, raw_connectors
    from kconnect.manifests.names import validate_connector_name
    from kconnect.manifests.text import TextProblem, decode
    from kconnect.output.redaction import register_config

    collector = Collector([])
    found = []
    for path in paths:
        fmt = format_of(path)
        if fmt == "yaml":
            raise InputError(
                f"{path}: convert reads Connect JSON (*.json) and .properties files; "
                "YAML is already a kconnect manifest"
            )
        try:
            with open(path, "rb") as handle:
                text = decode(handle.read())
        except TextProblem as exc:
            collector.add("manifest/encoding", exc.message, Location(path, exc.line))
            continue
        except OSError as exc:
            collector.add(
                "manifest/unreadable", f"cannot read file: {exc.strerror}", Location(path, 0)
            )
            continue
        for connector in raw_connectors(text, path, fmt, collector):
            where = Location(path, connector.line)
            if why := validate_connector_name(connector.name):
                collector.add("manifest/name", why, where)
                continue
            register_config(connector.config)  # nothing below may print a secret value
            collector.declared.append((connector.name, where))
            found.append(connector)
    first: dict[str, Location] = {}
    for name, where in collector.declared:
        if name in first:
            collector.add(
                "manifest/duplicate-name",
                f"connector {name!r} is declared twice (also at {first[name]})",
                where,
            )
        first.setdefault(name, where)
    if collector.errors:
        raise ManifestError(sorted(collector.problems, key=Problem.sort_key))
    used_files: set[str] = set()
    used_vars: set[str] = set()
    converted = []
    for connector in found:
        text, variables = render_manifest(
            connector.name, connector.config, None, used_variables=used_vars
        )
        text = text.replace(
            "# Exported by `kconnect export`.", "# Converted by `kconnect convert`.", 1
        )
        filename = _unique(safe_filename(connector.name), used_files)
        converted.append(ExportedConnector(connector.name, filename, text, None, variables))
    return converted
