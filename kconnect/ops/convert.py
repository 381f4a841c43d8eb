"""`kconnect convert`: Connect JSON and `.properties` connector files written as kconnect YAML
manifests, secrets replaced by `${VAR}` placeholders as `export` does."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from kconnect.errors import InputError, ManifestError
from kconnect.manifests.model import NO_KEY_RULES, KeyRules
from kconnect.ops.export import ExportedConnector, _unique, render_manifest, safe_filename

if TYPE_CHECKING:
    from kconnect.diagnostics import Problem


class _EveryVariableSet(Mapping[str, str]):
    """An environment in which every `${VAR}` is set (to its own name): convert keeps the
    references as written, so only the manifest rules, not the variables, are checked."""

    def __getitem__(self, name: str) -> str:
        return name

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


# What the loader refuses where convert would otherwise pick silently: one of two values of
# a key (Java keeps the last), one of two names, one of two connectors of one name. Other
# loader rules stay the loader's: a `GET /connectors/NAME` answer saved with curl (its `type`
# and `tasks` beside `config`) converts, since convert writes only the name and the config.
_PICKS_ONE = frozenset(
    {"manifest/duplicate-key", "manifest/name-mismatch", "manifest/duplicate-name"}
)


def _ambiguities(paths: Sequence[str]) -> list[Problem]:
    """The loader's errors in these files for what has two readings (`_PICKS_ONE`): convert
    writes neither, and the user says which, as `validate` asks."""
    from kconnect.manifests.loader import load_manifest_set

    try:
        load_manifest_set(paths, _EveryVariableSet())
    except ManifestError as exc:
        return [p for p in exc.problems if p.is_error and p.rule in _PICKS_ONE]
    return []


def convert_files(
    paths: Sequence[str], key_rules: KeyRules = NO_KEY_RULES
) -> list[ExportedConnector]:
    """Every connector in `paths`, rendered; `ManifestError` (every problem, file:line) if a
    file cannot be read as JSON or .properties, or names a connector twice. kconnect.yaml's
    `sensitive_keys` (`key_rules`) are secrets too, written as `${VAR}` as `export` does."""
    from kconnect.diagnostics import Location, Problem
    from kconnect.manifests.collector import Collector
    from kconnect.manifests.formats import raw_connectors
    from kconnect.manifests.names import validate_connector_name
    from kconnect.manifests.text import format_of, read_text
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
        text = collector.read(functools.partial(read_text, path), path)
        if text is None:
            continue
        for connector in raw_connectors(text, path, fmt, collector):
            where = Location(path, connector.line)
            if why := validate_connector_name(connector.name):
                collector.add("manifest/name", why, where)
                continue
            # Nothing below may print a secret value.
            register_config(connector.config, key_rules.sensitive_for(connector.name))
            collector.declared.append((connector.name, where))
            found.append(connector)
    problems = [*collector.problems, *_ambiguities(paths)]
    if any(p.is_error for p in problems):
        raise ManifestError(sorted(problems, key=Problem.sort_key))
    used_files: set[str] = set()
    used_vars: set[str] = set()
    converted = []
    for connector in found:
        sensitive = key_rules.sensitive_for(connector.name)
        text, variables = render_manifest(
            connector.name, connector.config, None, sensitive, used_variables=used_vars
        )
        text = text.replace(
            "# Exported by `kconnect export`.", "# Converted by `kconnect convert`.", 1
        )
        filename = _unique(safe_filename(connector.name), used_files)
        converted.append(ExportedConnector(connector.name, filename, text, None, variables))
    return converted
