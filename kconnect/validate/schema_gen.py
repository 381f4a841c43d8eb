"""Refresh the bundled JSON Schemas in `schemas/connectors/` from the plugin catalogs.

Run by hand after regenerating catalogs: `python -m kconnect.validate.schema_gen`. Every key of
the plugin's catalog, its framework keys and the supplement becomes a property with the
plugin's documentation (editor hover) and default (completion); allowed values come from the
worker's recommendations. Hand-written checks already in a schema (patterns, ranges, required
keys, messages) are kept: they say what the REST endpoint cannot.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kconnect.catalogs import schema_dir
from kconnect.validate.plugin_catalogs import CatalogSet, supplement


def _property(entry: dict[str, Any]) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": "string", "description": entry.get("documentation") or ""}
    if entry.get("type"):
        prop["x-kconnect-type"] = entry["type"]
    if entry.get("default") not in (None, "", "[hidden]"):
        prop["default"] = str(entry["default"])
    return prop


def refresh(schema: dict[str, Any], catalogs: CatalogSet) -> dict[str, Any]:
    cls = schema["title"] if "." in schema.get("title", "") else ""
    cls = cls or schema["$id"].rsplit("/", 1)[-1].removesuffix(".schema.json")
    catalog = catalogs.get(cls)
    if catalog is None:
        return schema
    framework = catalogs.framework(catalog.kind, catalog)
    entries = [*catalog.keys.values(), *(framework.keys.values() if framework else [])]
    props: dict[str, Any] = schema.setdefault("properties", {})
    for entry in entries:
        prop = props.setdefault(entry["name"], _property(dict(entry)))
        if not prop.get("description"):
            prop["description"] = entry.get("documentation") or ""
        allowed = [str(v) for v in entry.get("allowed", [])]
        if allowed and "x-kconnect-enum" in prop:
            # The worker's order is arbitrary: keep the documented order, add what is new.
            merged = [
                v for v in prop["x-kconnect-enum"] if v.lower() in {a.lower() for a in allowed}
            ]
            merged += [a for a in allowed if a.lower() not in {v.lower() for v in merged}]
            prop["x-kconnect-enum"] = merged
            prop["examples"] = merged
            removed = prop.get("x-kconnect-removed", {})
            for value in [v for v in removed if v.lower() in {a.lower() for a in allowed}]:
                del removed[value]
            if not removed:
                prop.pop("x-kconnect-removed", None)
    for name, doc in supplement(cls).keys.items():
        props.setdefault(name, {"type": "string", "description": doc})
    version = catalog.version or ""
    schema["description"] = schema.get("description", "").replace(
        "Debezium 3.6", f"Debezium {version}"
    )
    for prop in props.values():
        if isinstance(prop.get("description"), str):
            prop["description"] = prop["description"].replace("Debezium 3.6", f"Debezium {version}")
    return schema


def catalog_schema(cls: str, catalogs: CatalogSet | None = None) -> dict[str, Any] | None:
    """A schema for a class that has a plugin catalog but no bundled schema (a transform, a
    converter, a snapshot's connector): its keys with documentation and defaults."""
    catalogs = catalogs or CatalogSet()
    catalog = catalogs.get(cls)
    if catalog is None:
        return None
    props = {name: _property(dict(entry)) for name, entry in catalog.keys.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": catalog.cls,
        "description": f"Config keys of {catalog.cls} {catalog.version or ''} ({catalog.kind}), "
        f"from its plugin catalog: {catalog.origin}",
        "type": "object",
        "additionalProperties": {"type": "string"},
        "properties": props,
    }


def main() -> int:  # pragma: no cover - run by hand
    folder = Path(schema_dir()) / "connectors"
    catalogs = CatalogSet()
    for path in sorted(folder.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(
            json.dumps(refresh(schema, catalogs), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
