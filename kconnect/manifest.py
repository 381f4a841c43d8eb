"""Loading manifests: YAML files → `Manifest` objects, every problem reported with file:line.

We read YAML at the node level (`yaml.compose_all`) rather than constructing Python objects,
because Connect stores every value as a string and users expect the text they wrote:
`0755`, `1.50` and `on` must reach the worker as written, not as 493, 1.5 and True.
Nodes also carry positions, and let us reject duplicate keys that PyYAML would drop.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kconnect.diagnostics import Location, Problem, error
from kconnect.errors import ManifestError
from kconnect.interpolate import InterpolationError, interpolate
from kconnect.model import Manifest, TargetState

if TYPE_CHECKING:
    import yaml

STDIN = "-"
MANIFEST_SUFFIXES = (".yaml", ".yml")
TOP_LEVEL_KEYS = ("name", "config", "state")
_NULL_TAG = "tag:yaml.org,2002:null"
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def validate_connector_name(name: str) -> str | None:
    """Why `name` cannot be a connector name, or None when it can."""
    if not name.strip():
        return "connector name must not be empty"
    if _CONTROL_CHARS.search(name):
        return f"connector name {name!r} contains control characters"
    if "/" in name:
        # Jetty 12 (Connect 4.x) answers 400 "Ambiguous URI path separator" for %2F, so such a
        # connector could be created but never read, updated or deleted again.
        return f"connector name {name!r} contains '/', which Connect 4.x cannot address over REST"
    return None


@dataclass
class _Collector:
    problems: list[Problem] = field(default_factory=list)
    declared: list[tuple[str, Location]] = field(default_factory=list)

    def add(self, rule: str, message: str, location: Location, **kw: str) -> None:
        self.problems.append(error(rule, message, location, **kw))


def expand_paths(paths: Sequence[str]) -> tuple[list[str], list[Problem]]:
    """Files named directly, `-`, and the `*.yaml`/`*.yml` files below each directory, sorted."""
    files: list[str] = []
    problems: list[Problem] = []
    for raw in paths:
        if raw == STDIN:
            files.append(STDIN)
            continue
        path = Path(raw)
        if path.is_dir():
            # Hidden entries are skipped: `.git/`, `.github/`, and the `..data/` and
            # `..<timestamp>/` copies inside a Kubernetes ConfigMap volume would otherwise
            # declare every connector twice.
            found = sorted(
                str(p)
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix in MANIFEST_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                problems.append(
                    error(
                        "manifest/empty-dir", f"no *.yaml or *.yml files in {raw}", Location(raw, 0)
                    )
                )
            files.extend(found)
        elif path.is_file():
            files.append(str(path))
        else:
            problems.append(
                error("manifest/missing", f"no such file or directory: {raw}", Location(raw, 0))
            )
    if not paths:
        problems.append(error("manifest/none", "no manifest paths given", None))
    return files, problems


def _read(path: str, stdin_text: str | None) -> str:
    if path == STDIN:
        return stdin_text if stdin_text is not None else sys.stdin.read()
    return Path(path).read_text(encoding="utf-8")


def load_manifests(
    paths: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin_text: str | None = None,
) -> list[Manifest]:
    """Load every manifest under `paths`; raise `ManifestError` listing every problem found."""
    files, problems = expand_paths(paths)
    collector = _Collector(problems)
    manifests: list[Manifest] = []
    for path in files:
        display = "<stdin>" if path == STDIN else path
        try:
            text = _read(path, stdin_text)
        except (OSError, UnicodeDecodeError) as exc:
            collector.add("manifest/unreadable", f"cannot read file: {exc}", Location(display, 0))
            continue
        manifests.extend(_load_text(text, display, env, collector))
    _check_unique_names(collector)
    if collector.problems:
        raise ManifestError(sorted(collector.problems, key=Problem.sort_key))
    return manifests


def _load_text(
    text: str, display: str, env: Mapping[str, str], collector: _Collector
) -> Iterator[Manifest]:
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    documents: list[yaml.Node] = []
    try:
        for node in yaml.compose_all(text, Loader=loader_cls):
            documents.append(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        detail = " ".join(p for p in (exc.context, exc.problem) if p)
        collector.add("manifest/yaml", f"invalid YAML: {detail}", Location(display, line))
        return
    except yaml.YAMLError as exc:
        collector.add("manifest/yaml", f"invalid YAML: {exc}", Location(display, 0))
        return
    non_empty = [d for d in documents if not _is_null(d)]
    if not non_empty:
        collector.add("manifest/empty", "file holds no manifest", Location(display, 1))
        return
    for node in non_empty:
        manifest = _document(node, display, env, collector)
        if manifest is not None:
            yield manifest


def _is_null(node: yaml.Node) -> bool:
    import yaml

    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def _loc(display: str, node: yaml.Node) -> Location:
    return Location(display, node.start_mark.line + 1)


def _mapping_items(
    node: yaml.MappingNode, display: str, collector: _Collector, what: str
) -> list[tuple[str, yaml.Node, Location]]:
    """Key/value pairs of a mapping, rejecting non-scalar and duplicate keys."""
    import yaml

    seen: dict[str, Location] = {}
    items: list[tuple[str, yaml.Node, Location]] = []
    for key_node, value_node in node.value:
        where = _loc(display, key_node)
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _NULL_TAG:
            collector.add("manifest/key", f"{what} keys must be plain strings", where)
            continue
        key = key_node.value
        if key in seen:
            collector.add(
                "manifest/duplicate-key",
                f"duplicate key {key!r} in {what} (first at line {seen[key].line})",
                where,
            )
            continue
        seen[key] = where
        items.append((key, value_node, where))
    return items


def _document(
    node: yaml.Node, display: str, env: Mapping[str, str], collector: _Collector
) -> Manifest | None:
    import yaml

    start = _loc(display, node)
    if not isinstance(node, yaml.MappingNode):
        collector.add(
            "manifest/shape",
            "a manifest must be a mapping with 'name' and 'config'",
            start,
        )
        return None
    before = len(collector.problems)
    fields = {}
    for key, value_node, where in _mapping_items(node, display, collector, "manifest"):
        if key not in TOP_LEVEL_KEYS:
            collector.add(
                "manifest/unknown-key",
                f"unknown top-level key {key!r} (allowed: {', '.join(TOP_LEVEL_KEYS)})",
                where,
            )
            continue
        fields[key] = (value_node, where)

    name = _top_level_string(fields, "name", env, collector, start)
    if name is not None and (why := validate_connector_name(name)):
        collector.add("manifest/name", why, fields["name"][1])
    state = TargetState.RUNNING
    raw_state = _top_level_string(fields, "state", env, collector, start, required=False)
    if raw_state is not None:
        try:
            state = TargetState(raw_state.lower())
        except ValueError:
            collector.add(
                "manifest/state",
                f"state must be running, paused or stopped, not {raw_state!r}",
                fields["state"][1],
            )

    if "config" not in fields:
        collector.add(
            "manifest/config", "missing required key 'config'", start, connector=name or ""
        )
        return None
    config_node, config_where = fields["config"]
    if not isinstance(config_node, yaml.MappingNode):
        collector.add(
            "manifest/config", "'config' must be a mapping of keys to values", config_where
        )
        return None
    config, key_locations, interpolated = _config(config_node, display, env, collector)

    if name is not None and "name" in config:
        if config["name"] != name:
            collector.add(
                "manifest/name-mismatch",
                f"config.name {config['name']!r} differs from the manifest name {name!r}",
                key_locations["name"],
            )
        del config["name"]
    if name is not None:
        collector.declared.append((name, config_where))
    if "connector.class" not in config and "connector.class" not in key_locations:
        collector.add(
            "manifest/connector-class",
            "config has no 'connector.class'",
            config_where,
            connector=name or "",
        )
    if len(collector.problems) > before or name is None:
        return None
    return Manifest(
        name=name,
        config=config,
        state=state,
        location=config_where,
        key_locations=key_locations,
        interpolated_keys=frozenset(interpolated),
    )


def _top_level_string(
    fields: Mapping[str, tuple[yaml.Node, Location]],
    key: str,
    env: Mapping[str, str],
    collector: _Collector,
    start: Location,
    *,
    required: bool = True,
) -> str | None:
    import yaml

    if key not in fields:
        if required:
            collector.add("manifest/name", f"missing required key {key!r}", start)
        return None
    node, where = fields[key]
    if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG:
        collector.add("manifest/type", f"{key!r} must be a string", where)
        return None
    return _interpolated(node.value, where, env, collector)


def _interpolated(
    text: str, where: Location, env: Mapping[str, str], collector: _Collector
) -> str | None:
    try:
        return interpolate(text, env).text
    except InterpolationError as exc:
        collector.add("manifest/interpolation", exc.message, where)
        return None


def _config(
    node: yaml.MappingNode, display: str, env: Mapping[str, str], collector: _Collector
) -> tuple[dict[str, str], dict[str, Location], set[str]]:
    import yaml

    config: dict[str, str] = {}
    locations: dict[str, Location] = {}
    interpolated: set[str] = set()
    for key, value_node, where in _mapping_items(node, display, collector, "config"):
        if not key:
            collector.add("manifest/key", "config keys must not be empty", where)
            continue
        if isinstance(value_node, yaml.ScalarNode):
            if value_node.tag == _NULL_TAG:
                collector.add(
                    "manifest/value",
                    f"{key}: null value (Connect rejects nulls; write '' for an empty string)",
                    where,
                )
                continue
            raw = value_node.value
        elif isinstance(value_node, yaml.SequenceNode):
            items = list(_sequence_items(key, value_node, display, collector))
            if items is None or len(items) != len(value_node.value):
                continue
            raw = ",".join(items)
        else:
            collector.add(
                "manifest/value",
                f"{key}: nested mappings are not allowed "
                "(Connect configs are flat key/value strings)",
                where,
            )
            continue
        try:
            result = interpolate(raw, env)
        except InterpolationError as exc:
            collector.add("manifest/interpolation", f"{key}: {exc.message}", where)
            continue
        config[key] = result.text
        locations[key] = where
        if result.used_variables:
            interpolated.add(key)
    return config, locations, interpolated


def _sequence_items(
    key: str, node: yaml.SequenceNode, display: str, collector: _Collector
) -> Iterable[str]:
    import yaml

    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or item.tag == _NULL_TAG:
            collector.add(
                "manifest/value",
                f"{key}: list items must be plain values",
                _loc(display, item),
            )
            continue
        yield item.value


def _check_unique_names(collector: _Collector) -> None:
    first: dict[str, Location] = {}
    for name, where in collector.declared:
        if name in first:
            collector.add(
                "manifest/duplicate-name",
                f"connector {name!r} is declared twice (also at {first[name]})",
                where,
                connector=name,
            )
        else:
            first[name] = where
