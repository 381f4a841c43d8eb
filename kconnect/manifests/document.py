"""One YAML document → one `Manifest`, every problem recorded with file:line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from kconnect.diagnostics import Location
from kconnect.manifests.collector import Collector
from kconnect.manifests.model import UNIGNORABLE_KEYS, Manifest, TargetState
from kconnect.manifests.names import connector_class_problem, validate_connector_name
from kconnect.manifests.yaml_nodes import NULL_TAG, loc, mapping_items, sequence_items

if TYPE_CHECKING:
    import yaml

TOP_LEVEL_KEYS = (
    "name",
    "config",
    "state",
    "moved_from",
    "acknowledge",
    "sensitive_keys",
    "ignore_keys",
)


def document_manifest(
    node: yaml.Node, display: str, env: Mapping[str, str], collector: Collector
) -> Manifest | None:
    from kconnect.pyyaml import yaml

    start = loc(display, node)
    if not isinstance(node, yaml.MappingNode):
        collector.add(
            "manifest/shape",
            "a manifest must be a mapping with 'name' and 'config'",
            start,
        )
        return None
    before = len(collector.problems)
    fields = {}
    for key, value_node, where in mapping_items(node, display, collector, "manifest"):
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

    moved_from = _top_level_string(fields, "moved_from", env, collector, start, required=False)
    if moved_from is not None:
        if why := validate_connector_name(moved_from):
            collector.add("manifest/moved-from", f"moved_from: {why}", fields["moved_from"][1])
        elif moved_from == name:
            collector.add(
                "manifest/moved-from",
                "moved_from names the connector itself; give the old name",
                fields["moved_from"][1],
            )
    acknowledge = _acknowledge(fields, display, collector)
    sensitive = _key_list(fields, "sensitive_keys", display, collector)
    ignored = _key_list(fields, "ignore_keys", display, collector)

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
        # Duplicates are reported at the `name:` lines, where the fix is made.
        collector.declared.append((name, fields["name"][1]))
    if "connector.class" not in config and "connector.class" not in key_locations:
        collector.add(
            "manifest/connector-class",
            "config has no 'connector.class'",
            config_where,
            connector=name or "",
        )
    elif "connector.class" in config and (
        why := connector_class_problem(config["connector.class"])
    ):
        collector.add("manifest/connector-class", why, key_locations["connector.class"])
    if len(collector.problems) > before or name is None:
        return None
    return Manifest(
        name=name,
        config=config,
        state=state,
        location=config_where,
        key_locations=key_locations,
        interpolated_keys=frozenset(interpolated),
        name_location=fields["name"][1],
        moved_from=moved_from,
        acknowledge=acknowledge,
        sensitive_keys=sensitive,
        ignore_keys=ignored,
    )


def _acknowledge(
    fields: Mapping[str, tuple[yaml.Node, Location]], display: str, collector: Collector
) -> frozenset[str]:
    """`acknowledge: [impact-id, ...]`: dangers of this connector's changes accepted. Which
    ids exist is planning's knowledge: `kconnect.core.validate` checks them."""
    from kconnect.pyyaml import yaml

    if "acknowledge" not in fields:
        return frozenset()
    node, where = fields["acknowledge"]
    if not isinstance(node, yaml.SequenceNode):
        collector.add(
            "manifest/acknowledge",
            "acknowledge must be a list of impact ids, like [topic-prefix-changed]",
            where,
        )
        return frozenset()
    ids: set[str] = set()
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or item.tag != "tag:yaml.org,2002:str":
            collector.add(
                "manifest/acknowledge", "each impact id must be a string", loc(display, item)
            )
            continue
        ids.add(str(item.value))
    return frozenset(ids)


def _key_list(
    fields: Mapping[str, tuple[yaml.Node, Location]],
    field: str,
    display: str,
    collector: Collector,
) -> frozenset[str]:
    """`sensitive_keys: [key, ...]` (masked like PASSWORD-typed keys) or `ignore_keys: [key,
    ...]` (managed elsewhere): exact config keys, each listed once."""
    from kconnect.pyyaml import yaml

    if field not in fields:
        return frozenset()
    rule = f"manifest/{field.replace('_', '-')}"
    node, where = fields[field]
    if not isinstance(node, yaml.SequenceNode):
        example = "[tasks.max]" if field == "ignore_keys" else "[api.token]"
        collector.add(rule, f"{field} must be a list of config keys, like {example}", where)
        return frozenset()
    keys: set[str] = set()
    for item in node.value:
        item_where = loc(display, item)
        if (
            not isinstance(item, yaml.ScalarNode)
            or item.tag != "tag:yaml.org,2002:str"
            or not item.value
        ):
            collector.add(rule, f"each entry of {field} must be a non-empty string", item_where)
        elif item.value in keys:
            collector.add(rule, f"{field} lists {item.value!r} twice", item_where)
        elif why := key_rule_problem(field, item.value):
            collector.add(rule, why, item_where)
        else:
            keys.add(str(item.value))
    return frozenset(keys)


def key_rule_problem(field: str, key: str) -> str | None:
    """Why `key` cannot be listed in `sensitive_keys` or `ignore_keys` (of a manifest or
    kconnect.yaml), or None. The lists name exact keys: a glob would match nothing, and a
    secret the user meant to mask would be printed."""
    if field == "ignore_keys" and key in UNIGNORABLE_KEYS:
        return (
            f"ignore_keys cannot name {key!r}: it defines the connector, so kconnect must "
            "always manage it"
        )
    if any(char in key for char in "*?["):
        return (
            f"{field} lists exact config keys, and {key!r} looks like a pattern: no key is "
            "matched by pattern, so it would match nothing; list each key"
        )
    return None


def _top_level_string(
    fields: Mapping[str, tuple[yaml.Node, Location]],
    key: str,
    env: Mapping[str, str],
    collector: Collector,
    start: Location,
    *,
    required: bool = True,
) -> str | None:
    from kconnect.pyyaml import yaml

    if key not in fields:
        if required:
            collector.add("manifest/name", f"missing required key {key!r}", start)
        return None
    node, where = fields[key]
    if not isinstance(node, yaml.ScalarNode) or node.tag == NULL_TAG:
        collector.add("manifest/type", f"{key!r} must be a string", where)
        return None
    return _interpolated(node.value, where, env, collector)


def _interpolated(
    text: str, where: Location, env: Mapping[str, str], collector: Collector
) -> str | None:
    if "${" not in text:  # nothing to expand: the interpolation module loads only when needed
        return text
    from kconnect.manifests.interpolate import InterpolationError, interpolate

    try:
        return interpolate(text, env).text
    except InterpolationError as exc:
        collector.add("manifest/interpolation", exc.message, where)
        return None


def _config(
    node: yaml.MappingNode, display: str, env: Mapping[str, str], collector: Collector
) -> tuple[dict[str, str], dict[str, Location], set[str]]:
    from kconnect.pyyaml import yaml

    config: dict[str, str] = {}
    locations: dict[str, Location] = {}
    interpolated: set[str] = set()
    for key, value_node, where in mapping_items(node, display, collector, "config"):
        if not key:
            collector.add("manifest/key", "config keys must not be empty", where)
            continue
        if isinstance(value_node, yaml.ScalarNode):
            if value_node.tag == NULL_TAG:
                collector.add(
                    "manifest/value",
                    f"{key}: null value (Connect rejects nulls; write '' for an empty string)",
                    where,
                )
                continue
            raw = value_node.value
        elif isinstance(value_node, yaml.SequenceNode):
            items = list(sequence_items(key, value_node, display, collector))
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
        if "${" in raw:  # most values hold none: the interpolation module loads only then
            from kconnect.manifests.interpolate import InterpolationError, interpolate

            try:
                result = interpolate(raw, env)
            except InterpolationError as exc:
                collector.add("manifest/interpolation", f"{key}: {exc.message}", where)
                continue
            raw = result.text
            if result.used_variables:
                interpolated.add(key)
        config[key] = raw
        locations[key] = where
    return config, locations, interpolated
