"""Unknown keys: every key of a manifest is explained by a catalog, or reported at file:line.

Kafka Connect ignores keys it does not know, so a typo silently runs the connector with a
default. For a class kconnect has a catalog for, each key must be one of:

- a key of the plugin or of the Connect framework (per source/sink);
- a member of a dynamic family, resolved by what it names: `transforms.<alias>.*` by the
  catalog of that alias's `type` (plus `type`, `predicate`, `negate`), `predicates.<alias>.*`,
  `<key|value|header>.converter.*` by the converter class, `topic.creation.<group>.*` for a
  declared group, `<producer|consumer|admin>.override.*` by the Kafka client configs;
- for Debezium: a supplement key, a pattern key, a named `converters`/`post.processors` entry,
  or a pass-through namespace (`database.*` JDBC properties, ...).

A near miss of a known key (edit distance, or case) and a renamed key are errors with the fix;
any other unknown key is a warning. Where a family names a class without a catalog, nothing is
said: false positives are worse than silence in a CI gate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from kconnect.diagnostics import Problem, error, warning
from kconnect.manifests.model import Manifest
from kconnect.validate.plugin_catalogs import (
    Catalog,
    CatalogSet,
    client_keys,
    smt_keys,
    smt_renamed,
    supplement,
    topic_creation,
)

RULE_TYPO = "key/typo"
RULE_RENAMED = "key/renamed"
RULE_UNKNOWN = "key/unknown"
RULE_TRANSFORM_TYPE = "key/transform-type-missing"

_CONVERTER_SIDES = ("key.converter.", "value.converter.", "header.converter.")
_OVERRIDES = {
    "producer.override.": "producer",
    "consumer.override.": "consumer",
    "admin.override.": "admin",
}
_TRANSFORM_FRAMEWORK = frozenset({"type", "predicate", "negate"})
_EXTRACT_NEW_RECORD_STATE = "io.debezium.transforms.ExtractNewRecordState"
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
# Real JDBC driver properties whose dotted spelling is also a Debezium key: MySQL Connector/J
# and MariaDB Connector/J both read `sslMode`.
_DRIVER_PROPERTIES = frozenset({"database.sslMode"})


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment edit distance (a swap counts once), capped at `limit + 1`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _limit(key: str) -> int:
    return 1 if len(key) <= 8 else 2


def nearest(key: str, known: Iterable[str]) -> list[str]:
    """The known keys `key` is probably a typo of (same up to case, or a small edit)."""
    lowered = key.lower()
    same_case = sorted(k for k in known if k.lower() == lowered and k != key)
    if same_case:
        return same_case
    limit = _limit(key)
    best, found = limit + 1, []
    for candidate in known:
        d = distance(key, candidate, limit)
        if d < best:
            best, found = d, [candidate]
        elif d == best and d <= limit:
            found.append(candidate)
    return sorted(found) if best <= limit else []


class _Finding(NamedTuple):
    """A problem with one key: the rule it breaks and what to tell the user."""

    rule: str
    message: str


def _typo(key: str, shown: str, suggestions: list[str], prefix: str = "") -> _Finding:
    options = " or ".join(prefix + s for s in suggestions[:3])
    return _Finding(RULE_TYPO, f"{shown}: unknown key; did you mean {options}?")


class _Checker:
    def __init__(self, manifest: Manifest, catalog: Catalog, catalogs: CatalogSet) -> None:
        self.m = manifest
        self.config = manifest.config
        self.catalog = catalog
        self.catalogs = catalogs
        self.sup = supplement(catalog.cls)
        self.known = catalogs.known_keys(catalog)
        self.aliases = _split(self.config.get("transforms", ""))
        self.predicates = _split(self.config.get("predicates", ""))
        self.groups = {"default", *_split(self.config.get("topic.creation.groups", ""))}
        self.named = {
            name for entry in self.sup.named_entries for name in _split(self.config.get(entry, ""))
        }

    def check(self, key: str) -> _Finding | None:
        if key == "name" or key in self.known or self.catalog.explains(key):
            return None
        renamed = self._renamed(key)
        if renamed is not None:
            return renamed
        for family in (
            self._transform,
            self._predicate,
            self._converter,
            self._topic_creation,
            self._override,
        ):
            handled, finding = family(key)
            if handled:
                return finding
        if any(p.fullmatch(key) for p in self.sup.patterns):
            return None
        if any(key.startswith(name + ".") for name in self.named):
            return None
        passthrough = any(key.startswith(prefix) for prefix in self.sup.passthrough)
        # Driver properties are camelCase (`database.useSSL`, `database.connectTimeout`): under a
        # pass-through prefix a camelCase key is a typo only when, written with dots, it is a
        # connector key (`database.includeList` for database.include.list).
        if passthrough and key != key.lower():
            dotted = _CAMEL.sub(r".\1", key).lower()
            if dotted != key and dotted in self.known and key not in _DRIVER_PROPERTIES:
                return _typo(key, key, [dotted])
            return None
        suggestions = nearest(key, self.known)
        if suggestions:
            return _typo(key, key, suggestions)
        if passthrough:
            return None
        return _Finding(
            RULE_UNKNOWN,
            f"{key}: unknown key; {self.catalog.cls} {self.catalog.version or ''} does not "
            "define it, so Connect ignores it".replace("  ", " "),
        )

    def _renamed(self, key: str) -> _Finding | None:
        if key in self.sup.removed:
            return _Finding(RULE_RENAMED, f"{key}: no longer read: {self.sup.removed[key]}")
        target = self.sup.renamed.get(key)
        if target is None:
            for old, new in self.sup.renamed_prefixes.items():
                if key.startswith(old):
                    target = new + key[len(old) :]
                    break
        if target is None:
            return None
        return _Finding(RULE_RENAMED, f"{key}: no longer read; use {target} instead")

    def _member(
        self, key: str, family: str, names: list[str]
    ) -> tuple[str, str] | tuple[None, None]:
        """(alias, rest) for `family.<alias>.<rest>`, the longest declared alias first."""
        body = key[len(family) + 1 :]
        for alias in sorted(names, key=len, reverse=True):
            if body.startswith(alias + ".") and len(body) > len(alias) + 1:
                return alias, body[len(alias) + 1 :]
        return None, None

    def _plugin_member(
        self, key: str, family: str, names: list[str], extra: frozenset[str]
    ) -> tuple[bool, _Finding | None]:
        if not key.startswith(family + "."):
            return False, None
        alias, rest = self._member(key, family, names)
        if alias is None or rest is None:
            listed = ", ".join(names) or "none"
            return True, _Finding(
                RULE_UNKNOWN,
                f"{key}: not an option of any alias listed in {family} ({listed}); "
                "Connect ignores it",
            )
        prefix = f"{family}.{alias}."
        if rest in extra:
            return True, None
        if "." not in rest and nearest(rest, extra):
            return True, _typo(rest, key, nearest(rest, extra), prefix)
        plugin = self.config.get(f"{family}.{alias}.type", "").strip()
        catalog = self.catalogs.get(plugin)
        if catalog is None or catalog.empty:
            return True, None
        if catalog.explains(rest) or rest in smt_keys(plugin):
            return True, None
        if family == "transforms" and rest in smt_renamed(plugin):
            if plugin == _EXTRACT_NEW_RECORD_STATE:
                return True, None  # reported by lint's smt-removed-option
            new = smt_renamed(plugin)[rest]
            return True, _Finding(RULE_RENAMED, f"{key}: no longer read; use {prefix}{new}")
        candidates = set(catalog.keys) | set(extra) | set(smt_renamed(plugin).values())
        suggestions = nearest(rest, candidates)
        renamed_hits = nearest(rest, smt_renamed(plugin))
        if renamed_hits and not suggestions:
            suggestions = [smt_renamed(plugin)[renamed_hits[0]]]
        if suggestions:
            return True, _typo(rest, key, suggestions, prefix)
        return True, _Finding(
            RULE_UNKNOWN,
            f"{key}: unknown key; {plugin} {catalog.version or ''} has no option {rest!r}".replace(
                "  ", " "
            ),
        )

    def _transform(self, key: str) -> tuple[bool, _Finding | None]:
        return self._plugin_member(key, "transforms", self.aliases, _TRANSFORM_FRAMEWORK)

    def _predicate(self, key: str) -> tuple[bool, _Finding | None]:
        return self._plugin_member(key, "predicates", self.predicates, frozenset({"type"}))

    def _converter(self, key: str) -> tuple[bool, _Finding | None]:
        side = next((s for s in _CONVERTER_SIDES if key.startswith(s)), None)
        if side is None:
            return False, None
        rest = key[len(side) :]
        cls = self.config.get(side[:-1], "").strip()
        catalog = self.catalogs.get(cls)
        if not cls or catalog is None or catalog.empty or catalog.explains(rest):
            return True, None  # no converter set: lint's converter-option-ignored says so
        suggestions = nearest(rest, catalog.keys)
        if suggestions:
            return True, _typo(rest, key, suggestions, side)
        return True, _Finding(RULE_UNKNOWN, f"{key}: unknown key; {cls} has no option {rest!r}")

    def _topic_creation(self, key: str) -> tuple[bool, _Finding | None]:
        if not key.startswith("topic.creation.") or self.catalog.kind != "source":
            return False, None
        body = key[len("topic.creation.") :]
        group = next((g for g in self.groups if body.startswith(g + ".")), None)
        if group is not None:
            # replication.factor, partitions, include/exclude, or any topic config.
            rest = body[len(group) + 1 :]
            default, _ = topic_creation()
            if rest in default:
                return True, None
            suggestions = nearest(rest, default)
            if suggestions:
                return True, _typo(rest, key, suggestions, f"topic.creation.{group}.")
            return True, None
        declared = ", ".join(sorted(self.groups))
        return True, _Finding(
            RULE_UNKNOWN,
            f"{key}: names a topic creation group that topic.creation.groups does not list "
            f"({declared}); Connect ignores it",
        )

    def _override(self, key: str) -> tuple[bool, _Finding | None]:
        prefix = next((p for p in _OVERRIDES if key.startswith(p)), None)
        if prefix is None:
            return False, None
        rest = key[len(prefix) :]
        known = client_keys(_OVERRIDES[prefix])
        if rest in known:
            return True, None
        suggestions = nearest(rest, known)
        if suggestions:
            return True, _typo(rest, key, suggestions, prefix)
        return True, _Finding(
            RULE_UNKNOWN,
            f"{key}: {rest!r} is not a Kafka {_OVERRIDES[prefix]} config; the client ignores it",
        )


def check_unknown_keys(manifest: Manifest, catalogs: CatalogSet) -> list[Problem]:
    """Unknown, misspelt and renamed keys of one manifest (nothing for classes without a
    catalog), plus transforms listed without a type."""
    catalog = catalogs.get(manifest.connector_class)
    if catalog is None:
        return []
    checker = _Checker(manifest, catalog, catalogs)
    problems: list[Problem] = []
    for key in sorted(manifest.config):
        finding = checker.check(key)
        if finding is None:
            continue
        make = warning if finding.rule == RULE_UNKNOWN else error
        problems.append(
            make(finding.rule, finding.message, manifest.location_of(key), connector=manifest.name)
        )
    for alias in checker.aliases:
        if not manifest.config.get(f"transforms.{alias}.type", "").strip():
            problems.append(
                error(
                    RULE_TRANSFORM_TYPE,
                    f"transforms lists {alias!r} but transforms.{alias}.type is not set: "
                    "Connect rejects the config",
                    manifest.location_of("transforms"),
                    connector=manifest.name,
                )
            )
    return problems
