"""Values: every key's value checked as the worker checks it, for every class with a catalog.

A catalog key carries its ConfigDef type, whether it is required, and its validator as data
(`checks`, written by `catalog_gen` from the plugins' ConfigDefs and Debezium's Field validators).
This module applies them offline, as `ConfigDef.parseType` and the validators do:

- the connector's own keys and Connect's framework keys (the framework's for *every* class,
  also one kconnect has no catalog for: `tasks.max`, `errors.tolerance` …);
- the options of each transform, predicate and converter, by the catalog of the class it names;
- `<producer|consumer|admin>.override.*` and Debezium's client pass-throughs
  (`schema.history.internal.producer.*` …) by the Kafka client configs;
- `topic.creation.<group>.*` of a source.

Every problem names the key (at its line) and, for enums, the allowed values.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from kconnect.diagnostics import Location, Problem, error
from kconnect.manifests.model import Manifest
from kconnect.output.redaction import hide_value, is_secret_key
from kconnect.validate.plugin_catalogs import (
    Catalog,
    CatalogSet,
    client_entries,
    supplement,
    topic_creation,
)

RULE_REQUIRED = "schema/required"
RULE_TYPE = "schema/type"
RULE_ENUM = "schema/enum"
RULE_RANGE = "schema/range"
RULE_PATTERN = "schema/pattern"
RULE_INVALID = "schema/invalid"

_INT_BOUNDS = {
    "SHORT": (-(2**15), 2**15 - 1),
    "INT": (-(2**31), 2**31 - 1),
    "LONG": (-(2**63), 2**63 - 1),
}
_INTEGER = re.compile(r"[+-]?[0-9]+")
# java.lang.Double.parseDouble, without hexadecimal floats.
_DOUBLE = re.compile(r"[+-]?(NaN|Infinity|(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)[fFdD]?)")
CLIENT_PASSTHROUGH = {
    "schema.history.internal.producer.": "producer",
    "schema.history.internal.consumer.": "consumer",
    "signal.consumer.": "consumer",
}
OVERRIDES = {
    "producer.override.": "producer",
    "consumer.override.": "consumer",
    "admin.override.": "admin",
}
CONVERTER_SIDES = ("key.converter", "value.converter", "header.converter")
_REFERENCE = re.compile(r"\$\{[^}]*\}")
_TRANSFORM_FRAMEWORK: Mapping[str, Mapping[str, Any]] = {"negate": {"type": "BOOLEAN"}}


def split_list(value: str) -> list[str]:
    """ConfigDef LIST parsing: comma-separated, each item trimmed; empty string → []."""
    if not value.strip():
        return []
    return [item.strip() for item in value.split(",")]


def _fmt(n: Any) -> str:
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    if isinstance(n, int) and abs(n) >= 10**12:
        return f"{n:,}".replace(",", "_")
    return str(n)


def _parse_number(ctype: str, text: str) -> tuple[float | int | None, str | None]:
    """(number, None) or (None, why) for INT/SHORT/LONG/DOUBLE; (None, None) for other types."""
    if ctype in _INT_BOUNDS:
        lo, hi = _INT_BOUNDS[ctype]
        if not _INTEGER.fullmatch(text):
            return None, f"must be an integer, got {text!r}"
        number = int(text)
        if not lo <= number <= hi:
            return None, f"must be an integer in {_fmt(lo)}..{_fmt(hi)} ({ctype}), got {text}"
        return number, None
    if ctype == "DOUBLE":
        if not _DOUBLE.fullmatch(text):
            return None, f"must be a number, got {text!r}"
        return float(text.rstrip("fFdD").replace("Infinity", "inf")), None
    return None, None


@functools.cache
def _regex_error(pattern: str) -> str | None:
    """Only the errors Java's java.util.regex raises too (unbalanced groups and brackets, a
    dangling quantifier): Python's dialect differs elsewhere, and a false error is worse."""
    try:
        re.compile(pattern)
    except re.error as exc:
        text = str(exc)
        if any(
            w in text for w in ("missing )", "unbalanced parenthesis", "unterminated character set")
        ) or text.startswith("nothing to repeat"):
            return text
    return None


def _positive_or_minus_one(number: int) -> bool:
    return number == -1 or number > 0


def check_value(entry: Mapping[str, Any], raw: str) -> tuple[str, str] | None:
    """(rule, message without the key) when `raw` is not a valid value for `entry`."""
    if _REFERENCE.search(raw):
        return None  # `${provider:path:key}`: the worker resolves it before it validates
    ctype = str(entry.get("type") or "STRING")
    text = raw.strip()
    if ctype == "BOOLEAN" and text.lower() not in ("true", "false"):
        return RULE_TYPE, f"must be true or false, got {raw!r}"
    number, why = _parse_number(ctype, text)
    if why is not None:
        return RULE_TYPE, why
    items = split_list(raw) if ctype == "LIST" else []
    for check in entry.get("checks", ()):
        found = _apply(check, _Value(ctype, raw, text, number, items))
        if found is not None:
            return found
    return None


class _Value(NamedTuple):
    """One value as ConfigDef sees it: raw text, trimmed, parsed number, list items."""

    ctype: str
    raw: str
    text: str
    number: float | int | None
    items: list[str]


def _apply(check: Mapping[str, Any], value: _Value) -> tuple[str, str] | None:
    ctype, raw, text, number, items = value.ctype, value.raw, value.text, value.number, value.items
    kind = check.get("kind")
    if kind == "range" and number is not None:
        lo, hi = check.get("min"), check.get("max")
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            bounds = f"{_fmt(lo) if lo is not None else ''}..{_fmt(hi) if hi is not None else ''}"
            return RULE_RANGE, f"{text} is out of range; allowed: {bounds}"
    elif kind == "enum":
        values = [str(v) for v in check.get("values", [])]
        sensitive = bool(check.get("case_sensitive"))
        candidates = items if ctype == "LIST" else [text]
        rejected: Mapping[str, str] = check.get("rejected", {})
        for candidate in candidates:
            if candidate in rejected:  # compared exactly, as the validators do (`equals`)
                accepted = [v for v in values if v not in rejected]
                return (
                    RULE_ENUM,
                    f"{candidate!r} is not allowed: {rejected[candidate]}; allowed values: "
                    f"{', '.join(accepted)}",
                )
            ok = (
                candidate in values
                if sensitive
                else candidate.lower() in {v.lower() for v in values}
            )
            if not ok:
                removed: Mapping[str, str] = check.get("removed", {})
                why = next((w for v, w in removed.items() if v.lower() == candidate.lower()), None)
                if why is not None:
                    return (
                        RULE_ENUM,
                        f"{candidate!r} is not allowed ({why}); allowed values: "
                        f"{', '.join(values)}",
                    )
                case = " (case-sensitive)" if sensitive else ""
                return (
                    RULE_ENUM,
                    f"{candidate!r} is not allowed{case}; allowed values: {', '.join(values)}",
                )
    elif kind == "list":
        values = [str(v) for v in check.get("values", [])]
        if not items and check.get("empty_allowed") is False:
            return RULE_INVALID, "must list at least one value"
        bad = [i for i in items if values and i not in values]
        if bad:
            return RULE_ENUM, f"{bad[0]!r} is not allowed; allowed values: {', '.join(values)}"
    elif kind == "non_empty":
        if not text:
            return RULE_INVALID, "must not be empty"
    elif kind == "pattern":
        from kconnect.validate.lint.regex import bounded_fullmatch  # patterns are rare

        if text and bounded_fullmatch(str(check["regex"]), text) is False:
            return RULE_PATTERN, f"{text!r}: {check.get('message') or 'invalid format'}"
    elif kind == "regex_list":
        for item in split_list(raw):
            why = _regex_error(item)
            if why is not None:
                return RULE_PATTERN, f"{item!r} is not a valid regular expression ({why})"
    elif kind == "code":
        return _code_check(check, ctype, text, number, items)
    return None


def _code_check(
    check: Mapping[str, Any], ctype: str, text: str, number: float | int | None, items: list[str]
) -> tuple[str, str] | None:
    """Validators that are code in Kafka, by class and description (hand-written rules)."""
    cls, described = str(check.get("class") or ""), str(check.get("text") or "")
    if described.startswith("Positive number") and isinstance(number, int):
        # TopicCreationConfig.PARTITIONS_VALIDATOR / REPLICATION_FACTOR_VALIDATOR
        if not _positive_or_minus_one(number):
            return RULE_RANGE, f"{text} is not allowed: {described}"
    elif cls.endswith("AutoOffsetResetStrategy$Validator"):
        # kafka-clients AutoOffsetResetStrategy.Validator.ensureValid
        value = text.lower()
        if value not in ("latest", "earliest", "none") and not value.startswith("by_duration:"):
            return (
                RULE_ENUM,
                f"{text!r} is not allowed; allowed values: latest, earliest, none, "
                "by_duration:<ISO-8601 duration>",
            )
    elif cls.endswith(("DataStreamDatasetValidator", "DataStreamNamespaceValidator")):
        # ElasticsearchSinkConnectorConfig.DataStream{Dataset,Namespace}Validator.ensureValid
        # (ConfigDef trims STRING values before the validator sees them).
        what = "dataset" if "Dataset" in cls else "namespace"
        if len(text) > 100:
            return RULE_PATTERN, f"the {what} must be no longer than 100 characters"
        if text != text.lower():
            return RULE_PATTERN, f"{text!r}: the {what} must be in all lowercase"
        if re.search(r'[\\/*?"<>| ,#\-:]', text):
            return (
                RULE_PATTERN,
                f'{text!r}: the {what} must not contain spaces or any of \\/*?"<>|,#-:',
            )
    elif cls.endswith("NonEmptyListValidator"):
        # connect-transforms util.NonEmptyListValidator.ensureValid
        if not items:
            return RULE_INVALID, "must list at least one value"
    elif cls.endswith("transforms.util.RegexValidator"):
        # connect-transforms util.RegexValidator.ensureValid
        why = _regex_error(text)
        if why is not None:
            return RULE_PATTERN, f"{text!r} is not a valid regular expression ({why})"
    return None


class _Scope(NamedTuple):
    """Where a group of keys lives: `prefix<option>` keys checked against `entries`."""

    prefix: str
    entries: Mapping[str, Mapping[str, Any]]
    owner: str  # what requires the keys, for messages
    anchor: str | None  # key whose line a missing required key is reported at
    required: bool = True


def _framework_entries(catalogs: CatalogSet, catalog: Catalog | None) -> dict[str, Any]:
    kinds = [catalog.kind] if catalog is not None and catalog.kind in ("source", "sink") else []
    kinds = kinds or ["sink", "source"]
    out: dict[str, Any] = {}
    for kind in kinds:
        framework = catalogs.framework(kind, catalog)
        # A snapshot's framework catalog comes from the REST API alone: no validators. The
        # bundled one (same Connect keys) has them.
        bundled = CatalogSet().framework(kind)
        if framework is not None:
            for name, entry in framework.keys.items():
                known = bundled.keys.get(name, {}) if bundled is not None else {}
                same = known.get("type") == entry.get("type") and "checks" in known
                checked = {**entry, "checks": known["checks"]} if same else entry
                out.setdefault(name, entry if "checks" in entry else checked)
    if catalog is None:
        # Unknown class: only what every connector has (a sink key may be a source's own key).
        sink, source = catalogs.framework("sink"), catalogs.framework("source")
        common = set(sink.keys if sink else ()) & set(source.keys if source else ())
        out = {k: v for k, v in out.items() if k in common}
    return out


_OWN_CACHE: dict[tuple[int, str | None], dict[str, Any]] = {}


def _own_entries(catalogs: CatalogSet, catalog: Catalog | None) -> dict[str, Any]:
    """The class's keys and the framework's, built once per catalog set and class."""
    cache_key = (id(catalogs), catalog.cls if catalog is not None else None)
    found = _OWN_CACHE.get(cache_key)
    if found is None:
        found = dict(catalog.keys) if catalog is not None else {}
        for name, entry in _framework_entries(catalogs, catalog).items():
            found.setdefault(name, entry)
        if catalog is not None:
            sup = supplement(catalog.cls)
            for name, extra in sup.value_checks.items():
                if name in found:
                    found[name] = {
                        **found[name],
                        "checks": [*found[name].get("checks", ()), *extra],
                    }
            for name, removed in sup.removed_values.items():
                if name in found:
                    checks = [
                        {**c, "removed": dict(removed)} if c.get("kind") == "enum" else c
                        for c in found[name].get("checks", ())
                    ]
                    found[name] = {**found[name], "checks": checks}
        found.pop("name", None)  # the manifest's name: Connect adds it
        if len(_OWN_CACHE) > 256:
            _OWN_CACHE.clear()
        _OWN_CACHE[cache_key] = found
    return found


def _aliases(config: Mapping[str, str], key: str) -> list[str]:
    return [a for a in split_list(config.get(key, "")) if a]


_CONVERTER_CACHE: dict[tuple[str, Path], dict[str, Any]] = {}


def _converter_entries(plugin: Catalog) -> dict[str, Any]:
    """A converter's options, built once per class: Plugins.newConverter sets converter.type
    (key/value/header) itself."""
    cache_key = (plugin.cls, plugin.folder)
    found = _CONVERTER_CACHE.get(cache_key)
    if found is None:
        found = {k: v for k, v in plugin.keys.items() if k != "converter.type"}
        _CONVERTER_CACHE[cache_key] = found
    return found


def _scopes(manifest: Manifest, catalogs: CatalogSet, catalog: Catalog | None) -> Iterator[_Scope]:
    config = manifest.config
    cls = catalog.cls if catalog is not None else manifest.connector_class
    yield _Scope("", _own_entries(catalogs, catalog), cls, None)
    for family in ("transforms", "predicates"):
        for alias in _aliases(config, family):
            prefix = f"{family}.{alias}."
            if family == "transforms":
                # ConnectorConfig's EnrichablePlugin defines `negate` as BOOLEAN for every SMT.
                yield _Scope(prefix, _TRANSFORM_FRAMEWORK, "Connect", None, required=False)
            plugin = catalogs.get(config.get(f"{family}.{alias}.type", "").strip())
            if plugin is not None and not plugin.empty:
                yield _Scope(prefix, plugin.keys, plugin.cls, prefix + "type")
    for side in CONVERTER_SIDES:
        plugin = catalogs.get(config.get(side, "").strip())
        if plugin is not None and not plugin.empty:
            yield _Scope(side + ".", _converter_entries(plugin), plugin.cls, side)
    # Client scopes require nothing: one without keys in `config` has nothing to check, and
    # its catalog (the biggest bundled file) need not be read.
    for prefix, kind in OVERRIDES.items():
        if _any_key_under(config, prefix):
            yield _Scope(prefix, client_entries(kind), f"the Kafka {kind}", None, required=False)
    if catalog is not None and any(
        p in catalogs.passthrough(catalog.cls) for p in CLIENT_PASSTHROUGH
    ):
        for prefix, kind in CLIENT_PASSTHROUGH.items():
            if _any_key_under(config, prefix):
                yield _Scope(
                    prefix, client_entries(kind), f"the Kafka {kind}", None, required=False
                )
    if catalog is None or catalog.kind == "source":
        yield from _topic_creation_scopes(config)


def _any_key_under(config: Mapping[str, str], prefix: str) -> bool:
    return any(k.startswith(prefix) for k in config)


def _topic_creation_scopes(config: Mapping[str, str]) -> Iterator[_Scope]:
    if not any(k.startswith("topic.creation.") for k in config):
        return
    default, other = topic_creation()
    # SourceConnectorConfig.usesTopicCreation: any topic.creation.* key turns it on, and then
    # the default group's replication.factor and partitions have no default.
    yield _Scope("topic.creation.default.", default, "topic creation", None)
    for group in _aliases(config, "topic.creation.groups"):
        if group != "default":
            yield _Scope(f"topic.creation.{group}.", other, "topic creation", None)


def _problem(
    manifest: Manifest, rule: str, message: str, key: str | None, anchor: str | None = None
) -> Problem:
    where: Location = manifest.location_of(key) if key else manifest.location
    if key is None and anchor is not None:
        where = manifest.location_of(anchor)
    return error(rule, message, where, connector=manifest.name)


_REQUIRED_CACHE: dict[int, tuple[Mapping[str, Mapping[str, Any]], tuple[str, ...]]] = {}


def _required_names(entries: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """The required keys of `entries` (pattern keys aside), in order: found once per catalog,
    not once per manifest. The cache holds `entries` itself, so its id stays its own."""
    found = _REQUIRED_CACHE.get(id(entries))
    if found is not None and found[0] is entries:
        return found[1]
    names = tuple(n for n, e in entries.items() if e.get("required") and "(" not in n)
    if len(_REQUIRED_CACHE) > 256:
        _REQUIRED_CACHE.clear()
    _REQUIRED_CACHE[id(entries)] = (entries, names)
    return names


def check_values(
    manifest: Manifest, catalogs: CatalogSet, catalog: Catalog | None = None
) -> list[Problem]:
    """Type, range, allowed-value and required-key problems of one manifest's config."""
    config = manifest.config
    problems: list[Problem] = []
    for scope in _scopes(manifest, catalogs, catalog):
        if scope.prefix:
            keys = [k for k in config if k.startswith(scope.prefix)]
        else:
            keys = [k for k in config if k in scope.entries]
        for key in keys:
            raw = config[key]
            entry = scope.entries.get(key[len(scope.prefix) :])
            if entry is None:
                continue
            found = check_value(entry, raw)
            if found is not None:
                rule, message = found
                if entry.get("type") == "PASSWORD" or is_secret_key(key):
                    message = hide_value(message, raw)
                problems.append(_problem(manifest, rule, f"{key}: {message}", key))
        if not scope.required:
            continue
        for name in _required_names(scope.entries):
            full = scope.prefix + name
            if full not in config:
                problems.append(
                    _problem(
                        manifest,
                        RULE_REQUIRED,
                        f"{full} is required by {scope.owner}",
                        None,
                        scope.anchor,
                    )
                )
    return problems


RULE_CLASS = "class/typo"
_CLASS_KEYS: tuple[tuple[str, frozenset[str]], ...] = (
    ("connector.class", frozenset({"source", "sink"})),
    ("key.converter", frozenset({"converter"})),
    ("value.converter", frozenset({"converter"})),
    ("header.converter", frozenset({"header_converter", "converter"})),
)


def _class_names(full: str) -> list[str]:
    """The names Connect accepts for a class: full, simple, and simple without the kind suffix
    (PluginUtils aliases: `MySqlConnector`, `MySql`)."""
    simple = full.rsplit(".", 1)[-1]
    names = [full, simple]
    for suffix in ("Connector", "Converter", "Transformation"):
        if simple.endswith(suffix) and simple != suffix:
            names.append(simple.removesuffix(suffix))
    return names


def class_suggestions(value: str, known: Iterable[str]) -> list[str]:
    """Known classes that `value` (a class name or alias kconnect has no catalog for) is
    probably a typo of: same up to case, or a small edit of the full name or of an alias."""
    from kconnect.validate.unknown_keys import nearest

    by_name: dict[str, set[str]] = {}
    for full in known:
        for name in _class_names(full):
            by_name.setdefault(name, set()).add(full)
    candidates = by_name if "." not in value else {k: v for k, v in by_name.items() if "." in k}
    hits = nearest(value, candidates)
    return sorted({full for hit in hits for full in by_name[hit]})


def _class_keys(config: Mapping[str, str]) -> Iterator[tuple[str, frozenset[str]]]:
    yield from _CLASS_KEYS
    for family, kind in (("transforms", "transformation"), ("predicates", "predicate")):
        for alias in _aliases(config, family):
            yield f"{family}.{alias}.type", frozenset({kind})


def check_classes(manifest: Manifest, catalogs: CatalogSet) -> list[Problem]:
    """Class names kconnect has no catalog for that are near misses of one it has: Connect
    fails to find the class (`Failed to find any class that implements …`)."""
    problems = []
    for key, kinds in _class_keys(manifest.config):
        value = manifest.config.get(key, "").strip()
        if not value or catalogs.get(value) is not None:
            continue
        suggestions = class_suggestions(value, catalogs.classes(kinds))
        if suggestions:
            options = " or ".join(suggestions[:3])
            problems.append(
                _problem(
                    manifest,
                    RULE_CLASS,
                    f"{key}: no plugin class {value!r}; did you mean {options}?",
                    key,
                )
            )
    return problems
