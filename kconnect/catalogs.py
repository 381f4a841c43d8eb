"""Bundled JSON Schemas: the manifest envelope, and one schema per known connector class.

Generated from the plugin catalogs by `kconnect.validate.schema_gen`, standard JSON Schema only
(for editors: yaml-language-server and the like). kconnect's own checks run on the catalogs
(`kconnect.validate`); here the schemas serve `kconnect schema` and say which keys are secrets:
a PASSWORD-typed key is `writeOnly` (`password_keys`).

The schemas live in the repository's top-level ``schemas/`` and are copied into the wheel as
``kconnect/schemas/`` (pyproject ``force-include``); the installed copy is preferred.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_SUFFIX = ".schema.json"
_CONNECTORS = "connectors"


def schema_dir() -> Path:
    """The directory holding ``manifest.schema.json`` and ``connectors/``.

    The copy inside the installed package wins; a development checkout has none (the module
    `kconnect/schemas` does not exist there) and falls back to the repository's ``schemas/``.
    """
    # The package's own directory, as `importlib.resources.files("kconnect")` gives it for an
    # installed package (a zipped one has no directory and falls back), without importing
    # importlib.resources: every validation reads a schema, and that import alone costs more.
    packaged = Path(__file__).parent / "schemas"
    if (packaged / _CONNECTORS).is_dir():
        return packaged
    return Path(__file__).resolve().parents[1] / "schemas"


def _schema_path(name: str) -> Path:
    if not name.endswith(".json"):
        name += _SUFFIX
    return schema_dir() / name


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """A bundled schema by relative name: ``"manifest"`` or ``"connectors/<class>"``
    (the ``.schema.json`` suffix is optional). Raises `FileNotFoundError` for unknown names.
    Cached: treat the result as read-only."""
    with _schema_path(name).open(encoding="utf-8") as fh:
        doc: dict[str, Any] = json.load(fh)
    return doc


def manifest_schema() -> dict[str, Any]:
    """The schema of one manifest document (``name``, ``config``, ``state``)."""
    return load_schema("manifest")


@functools.lru_cache(maxsize=1)
def _known_classes() -> tuple[str, ...]:
    folder = schema_dir() / _CONNECTORS
    return tuple(sorted(p.name[: -len(_SUFFIX)] for p in folder.glob("*" + _SUFFIX)))


def known_classes() -> list[str]:
    """Connector classes that have a bundled schema, sorted."""
    return list(_known_classes())


def connector_schema(connector_class: str) -> dict[str, Any] | None:
    """The bundled schema for `connector_class`, or None when kconnect has none."""
    if connector_class not in _known_classes():
        return None
    return load_schema(f"{_CONNECTORS}/{connector_class}")


@functools.cache
def password_keys(connector_class: str) -> frozenset[str]:
    """Keys that `connector_class` types PASSWORD (empty for classes without a schema)."""
    schema = connector_schema(connector_class)
    if schema is None:
        return frozenset()
    props: Mapping[str, Any] = schema.get("properties", {})
    return frozenset(k for k, p in props.items() if p.get("writeOnly") is True)
