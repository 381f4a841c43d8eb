"""Editor schemas from the plugin catalogs: `schemas/manifest.schema.json` and
`schemas/connectors/<class>.schema.json`, standard JSON Schema (draft 2020-12) only.

Run by hand after regenerating the catalogs: `python -m kconnect.validate.schema_gen`
(tests/test_schemas.py fails when the committed files differ from what it writes).

What an editor (yaml-language-server) gets:

- every key of the class, of Connect's framework and of the supplement, each with a
  description (hover) and its default (completion);
- values as YAML writes them: an INT key takes `3` or `"3"`, a BOOLEAN `true` or `"true"`;
  ranges as `minimum`/`maximum`, allowed values as `enum` (Connect's case-sensitive `ValidString`)
  or `enum` plus a case-insensitive `pattern` (Debezium, the Elasticsearch sink);
- unknown keys are diagnostics (`additionalProperties: false`), except the families a class
  reads dynamically (`transforms.<alias>.*`, converter and client options, pass-throughs, …),
  described by `patternProperties`;
- `manifest.schema.json` picks the class's schema by `connector.class` (full name or alias) with
  `if`/`then`, and holds them under `$defs`, so one file (a URL, a local copy, or
  `kconnect schema > file`) is enough. PASSWORD keys are `writeOnly` (kconnect masks them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kconnect.catalogs import schema_dir
from kconnect.validate.plugin_catalogs import Catalog, CatalogSet, supplement

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_SCALAR_TYPES = ["string", "number", "integer", "boolean"]
_ANY_VALUE: dict[str, Any] = {
    "anyOf": [
        {"type": _SCALAR_TYPES},
        {"type": "array", "items": {"type": _SCALAR_TYPES}},
    ]
}
_BOUNDS = {
    "SHORT": (-(2**15), 2**15 - 1),
    "INT": (-(2**31), 2**31 - 1),
    "LONG": (-(2**63), 2**63 - 1),
}
_PLACEHOLDER: dict[str, Any] = {"type": "string", "pattern": r"\$\{[^}]+\}"}
_INT_TEXT = r"^\s*[+-]?[0-9]+\s*$"
_BOOL_TEXT = r"^\s*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])\s*$"
_DOUBLE_TEXT = r"^\s*[+-]?(NaN|Infinity|(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)[fFdD]?)\s*$"
_CLIENT_FAMILIES = (
    r"^(producer|consumer|admin)\.override\..+$",
    r"^(key|value|header)\.converter\..+$",
    r"^transforms\.[^.]+\..+$",
    r"^predicates\.[^.]+\..+$",
)


def _case_insensitive(value: str) -> str:
    return "".join(
        f"[{c.upper()}{c.lower()}]" if c.isalpha() and c.upper() != c.lower() else re.escape(c)
        for c in value
    )


def _checks(entry: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    return [c for c in entry.get("checks", ()) if c.get("kind") == kind]


def _typed_default(ctype: str, default: Any) -> Any:
    if default in (None, "", "[hidden]"):
        return None
    text = str(default)
    if ctype == "BOOLEAN" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if ctype in _BOUNDS and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    return text


def _description(entry: Mapping[str, Any]) -> str:
    text = str(entry.get("documentation") or "").strip()
    ctype = entry.get("type") or "STRING"
    return text or f"{entry['name']} ({ctype})."


def value_schema(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The schema of one key's value, as YAML may write it (see the module docstring)."""
    ctype = str(entry.get("type") or "STRING")
    prop: dict[str, Any] = {"description": _description(entry)}
    enums = _checks(entry, "enum")
    if ctype == "BOOLEAN":
        prop["anyOf"] = [{"type": "boolean"}, {"type": "string", "pattern": _BOOL_TEXT}]
    elif ctype in _BOUNDS:
        lo, hi = _BOUNDS[ctype]
        for check in _checks(entry, "range"):
            if check.get("min") is not None:
                lo = max(lo, int(check["min"]))
            if check.get("max") is not None:
                hi = min(hi, int(check["max"]))
        number: dict[str, Any] = {"type": "integer", "minimum": lo, "maximum": hi}
        prop["anyOf"] = [number, {"type": "string", "pattern": _INT_TEXT}]
    elif ctype == "DOUBLE":
        prop["anyOf"] = [{"type": "number"}, {"type": "string", "pattern": _DOUBLE_TEXT}]
    elif ctype == "LIST":
        allowed = [v for c in _checks(entry, "list") for v in c.get("values", ())]
        item: dict[str, Any] = {"enum": allowed} if allowed else {"type": _SCALAR_TYPES}
        prop["anyOf"] = [{"type": _SCALAR_TYPES}, {"type": "array", "items": item}]
    elif enums:
        check = enums[0]
        values = [str(v) for v in check.get("values", ())]
        if check.get("case_sensitive"):
            prop["enum"] = values
        else:
            either = "|".join(_case_insensitive(v) for v in values)
            prop["anyOf"] = [
                {"enum": values},
                {"type": "string", "pattern": rf"^\s*({either})\s*$"},
            ]
    else:
        patterns = _checks(entry, "pattern")
        if patterns:
            prop["type"] = "string"
            prop["pattern"] = f"^(?:{patterns[0]['regex']})$"
        else:
            prop["type"] = _SCALAR_TYPES
        if _checks(entry, "non_empty") and prop["type"] == "string":
            prop["minLength"] = 1
    if prop.get("type") != _SCALAR_TYPES:
        # `${VAR}` (kconnect interpolates it) and `${provider:path:key}` (the worker resolves it)
        # stand for any value.
        constraint = {k: prop.pop(k) for k in ("type", "pattern", "minLength", "enum") if k in prop}
        branches = prop.pop("anyOf", None) or [constraint]
        prop["anyOf"] = [*branches, _PLACEHOLDER]
    if ctype == "PASSWORD":
        prop["writeOnly"] = True
    default = _typed_default(ctype, entry.get("default"))
    if default is not None:
        prop["default"] = default
    return prop


def _entries(catalog: Catalog, catalogs: CatalogSet) -> dict[str, Mapping[str, Any]]:
    entries: dict[str, Mapping[str, Any]] = dict(catalog.keys)
    framework = catalogs.framework(catalog.kind, catalog) if catalog.kind else None
    for name, entry in (framework.keys if framework else {}).items():
        entries.setdefault(name, entry)
    for name, doc in supplement(catalog.cls).keys.items():
        entries.setdefault(name, {"name": name, "type": "STRING", "documentation": doc})
    entries.pop("name", None)  # the manifest's `name:`, not a config key
    return entries


def _families(catalog: Catalog, properties: Iterable[str]) -> dict[str, Any]:
    """patternProperties: the key families the class reads beyond its fixed keys."""
    patterns = list(_CLIENT_FAMILIES)
    if catalog.kind == "source":
        patterns.append(r"^topic\.creation\..+$")
    sup = supplement(catalog.cls)
    for prefix in sup.passthrough:
        if prefix == "database.":
            # JDBC driver properties are camelCase; an all-lowercase database.* key is a typo
            # of a connector key (kconnect validate says which).
            patterns.append(r"^database\.(?=[^.]*[A-Z])[^.]+$")
        else:
            patterns.append(f"^{re.escape(prefix)}.+$")
    patterns += [f"^(?:{p.pattern})$" for p in (*catalog.patterns, *sup.patterns)]
    if sup.named_entries:
        # converters=<name>,… then <name>.type and <name>.<option>: any key whose first part is
        # not one the class's own keys start with.
        firsts = sorted({k.split(".", 1)[0] for k in properties} | {"transforms", "predicates"})
        avoid = "|".join(re.escape(f) for f in firsts)
        patterns.append(rf"^(?!(?:{avoid})\.)[^.]+\..+$")
    return dict.fromkeys(patterns, _ANY_VALUE)


def connector_schema(catalog: Catalog, catalogs: CatalogSet) -> dict[str, Any]:
    """The config schema of one class, from its catalog (plus framework and supplement)."""
    entries = _entries(catalog, catalogs)
    properties = {name: value_schema(entry) for name, entry in sorted(entries.items())}
    required = sorted(
        name for name, entry in entries.items() if entry.get("required") and "(" not in name
    )
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "title": catalog.cls,
        "description": f"Config keys of {catalog.cls} {catalog.version or ''} ({catalog.kind}), "
        "generated from its plugin catalog by kconnect.validate.schema_gen.",
        "type": "object",
        "properties": properties,
        "patternProperties": _families(catalog, entries),
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def _names(cls: str) -> list[str]:
    simple = cls.rsplit(".", 1)[-1]
    names = [cls, simple]
    if simple.endswith("Connector"):
        names.append(simple.removesuffix("Connector"))
    return names


def _envelope() -> dict[str, Any]:
    """The committed manifest schema's top-level properties other than `config` (`name`,
    `state`, `moved_from`, `acknowledge`, …): written by hand with the features that read them,
    kept as they are."""
    path = Path(schema_dir()) / "manifest.schema.json"
    if not path.is_file():
        return {}
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")).get("properties", {})
    return {k: v for k, v in found.items() if k != "config"}


def manifest_schema(
    classes: Mapping[str, dict[str, Any]], envelope: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The manifest envelope, dispatching `config` to each class's schema (under `$defs`)."""
    dispatch = [
        {
            "if": {
                "properties": {"connector.class": {"enum": _names(cls)}},
                "required": ["connector.class"],
            },
            "then": {"$ref": f"#/$defs/{cls}"},
        }
        for cls in sorted(classes)
    ]
    return {
        "$schema": DRAFT,
        "title": "kconnect connector manifest",
        "description": "One Kafka Connect connector, declared as code. Point yaml-language-server "
        "at this file: # yaml-language-server: $schema=<path or URL of manifest.schema.json>",
        "type": "object",
        "required": ["name", "config"],
        "additionalProperties": False,
        "properties": {
            "name": {
                "description": "Connector name, as the Connect REST API knows it.",
                "type": "string",
                "minLength": 1,
                "pattern": "^[^/\\u0000-\\u001f\\u007f]+$",
            },
            "config": {
                "description": "Connector config. Values are sent to Connect as strings; lists "
                "of scalars are joined with commas. The keys of a known class are completed "
                "and checked.",
                "type": "object",
                "properties": {
                    "connector.class": {
                        "type": "string",
                        "minLength": 1,
                        "description": "Fully qualified connector class (or its alias).",
                        "examples": sorted(classes),
                    }
                },
                "required": ["connector.class"],
                "additionalProperties": _ANY_VALUE,
                "allOf": dispatch,
            },
            "state": {
                "description": "Desired state; running when omitted.",
                "enum": ["running", "paused", "stopped"],
                "default": "running",
            },
            **{k: v for k, v in (envelope or {}).items() if k not in ("name", "config", "state")},
        },
        "$defs": classes,
    }


def bundled_connector_classes(catalogs: CatalogSet) -> list[str]:
    return catalogs.classes(frozenset({"source", "sink"}))


def generate(catalogs: CatalogSet | None = None) -> dict[str, dict[str, Any]]:
    """Relative file name → schema, for every bundled source and sink class."""
    catalogs = catalogs or CatalogSet()
    by_class: dict[str, dict[str, Any]] = {}
    for cls in bundled_connector_classes(catalogs):
        catalog = catalogs.get(cls)
        if catalog is not None:
            by_class[cls] = connector_schema(catalog, catalogs)
    files = {f"connectors/{cls}.schema.json": s for cls, s in by_class.items()}
    files["manifest.schema.json"] = manifest_schema(by_class, _envelope())
    return files


def render(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=1, ensure_ascii=False) + "\n"


def catalog_schema(cls: str, catalogs: CatalogSet | None = None) -> dict[str, Any] | None:
    """A schema for any class with a plugin catalog (a transform, a converter, a snapshot's
    connector), or None."""
    catalogs = catalogs or CatalogSet()
    catalog = catalogs.get(cls)
    if catalog is None:
        return None
    if catalog.kind in ("source", "sink"):
        return connector_schema(catalog, catalogs)
    properties = {name: value_schema(entry) for name, entry in sorted(catalog.keys.items())}
    return {
        "$schema": DRAFT,
        "title": catalog.cls,
        "description": f"Config keys of {catalog.cls} {catalog.version or ''} ({catalog.kind}), "
        "from its plugin catalog.",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def main() -> int:  # pragma: no cover - run by hand
    folder = Path(schema_dir())
    for old in (folder / "connectors").glob("*.schema.json"):
        old.unlink()
    for name, schema in generate().items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(schema), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
