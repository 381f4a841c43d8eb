"""Per-key checks of one connector config: required keys, types, ranges, allowed values, as the
worker checks them, from the plugin catalogs (`kconnect.validate.values`) and the hand-written
rules for Debezium validators that read several keys (`kconnect.validate.structure`).
Unknown and renamed keys: `unknown_keys`. Rule ids are listed with hints in
`kconnect.validate.lint.rules`."""

from __future__ import annotations

from kconnect.diagnostics import Problem
from kconnect.manifests.model import Manifest
from kconnect.validate.plugin_catalogs import Catalog, CatalogSet
from kconnect.validate.structure import check_debezium_code_rules
from kconnect.validate.values import (
    RULE_ENUM,
    RULE_INVALID,
    RULE_PATTERN,
    RULE_RANGE,
    RULE_REQUIRED,
    RULE_TYPE,
    check_values,
)

__all__ = [
    "RULE_ENUM",
    "RULE_INVALID",
    "RULE_PATTERN",
    "RULE_RANGE",
    "RULE_REQUIRED",
    "RULE_TYPE",
    "check_config",
]


def check_config(
    manifest: Manifest, catalogs: CatalogSet | None = None, catalog: Catalog | None = None
) -> list[Problem]:
    """Every value and required-key problem of the manifest's config, sorted by location.

    Classes without a catalog still get Connect's framework checks (`tasks.max`, …). A
    missing required key is reported at the manifest (or at the key that names the plugin
    requiring it), everything else at the offending key."""
    catalogs = catalogs if catalogs is not None else CatalogSet()
    if catalog is None:
        catalog = catalogs.get(manifest.connector_class)
    problems = check_values(manifest, catalogs, catalog) + check_debezium_code_rules(manifest)
    return sorted(problems, key=Problem.sort_key)
