"""Desired-state data: one `Manifest` per connector declared in YAML."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from fnmatch import fnmatchcase

from kconnect.diagnostics import Location
from kconnect.records import field, record, replace

# Where a manifest built in code (not loaded from a file) says it comes from.
NOWHERE = Location("<memory>", 1)


class TargetState(str, Enum):
    """The state a manifest asks for (`state:` key); the worker's words are upper case."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"

    @property
    def worker_state(self) -> str:
        return self.value.upper()


@record
class Manifest:
    """A connector as declared. `config` holds strings only, exactly as Connect stores them,
    without the `name` key (the worker adds it; it equals `name`)."""

    name: str
    config: Mapping[str, str]
    state: TargetState = TargetState.RUNNING
    location: Location = NOWHERE
    key_locations: Mapping[str, Location] = field(default_factory=dict)
    # Keys whose value came from client-side `${VAR}` interpolation: a secret there is not
    # plaintext in git, so lint does not flag it.
    interpolated_keys: frozenset[str] = frozenset()
    # Where `name:` was written (scope errors point there); None for manifests built in code.
    name_location: Location | None = None
    # `moved_from:` the connector this one replaces; apply carries its offsets over (rename).
    moved_from: str | None = None
    # `acknowledge:` impact ids whose danger the author accepted for this connector.
    acknowledge: frozenset[str] = frozenset()
    # `sensitive_keys:` config keys treated as secrets whatever their name or type: masked in
    # every output, digested in saved plans, never compared in clear.
    sensitive_keys: frozenset[str] = frozenset()
    # `ignore_keys:` config keys managed elsewhere (an autoscaler's `tasks.max`), as
    # Terraform's `ignore_changes`: never planned as a change, written with the live value.
    ignore_keys: frozenset[str] = frozenset()

    @property
    def connector_class(self) -> str:
        return self.config.get("connector.class", "")

    def location_of(self, key: str) -> Location:
        """Where `key` was written; the document's start when it was not written at all."""
        return self.key_locations.get(key, self.location)


# Keys that define the connector: ignoring them would let the cluster hold another connector.
UNIGNORABLE_KEYS = ("name", "connector.class")


@record
class KeyRules:
    """`sensitive_keys:` and `ignore_keys:` of `kconnect.yaml`: config keys per connector name
    pattern (`*` for every connector), on top of each manifest's own."""

    sensitive_keys: tuple[tuple[str, frozenset[str]], ...] = ()
    ignore_keys: tuple[tuple[str, frozenset[str]], ...] = ()

    def applied_to(self, manifest: Manifest) -> Manifest:
        """`manifest` with the project's keys added to its own: the one place where the two
        meet, so that every command reading a manifest sees both (kconnect.core.validate)."""
        if not (self.sensitive_keys or self.ignore_keys):
            return manifest  # no kconnect.yaml rule: nothing to pay per manifest (#22 scale)
        sensitive = self.sensitive_for(manifest.name)
        ignored = _matching(self.ignore_keys, manifest.name)
        if sensitive <= manifest.sensitive_keys and ignored <= manifest.ignore_keys:
            return manifest
        return replace(
            manifest,
            sensitive_keys=manifest.sensitive_keys | sensitive,
            ignore_keys=manifest.ignore_keys | ignored,
        )

    def sensitive_for(self, name: str) -> frozenset[str]:
        """The project's sensitive keys of connector `name` (for commands that read only the
        live cluster: describe, export)."""
        return _matching(self.sensitive_keys, name)


NO_KEY_RULES = KeyRules()


def _matching(rules: tuple[tuple[str, frozenset[str]], ...], name: str) -> frozenset[str]:
    return frozenset(k for pattern, keys in rules if fnmatchcase(name, pattern) for k in keys)


def password_keys_for(manifest: Manifest | None, live: Mapping[str, str]) -> frozenset[str]:
    """The PASSWORD-typed keys of a connector, as its bundled catalog types them: the
    manifest's class, and the live class too when a plan changes the class."""
    from kconnect.catalogs import password_keys

    connector_class = manifest.connector_class if manifest else live.get("connector.class", "")
    keys = set(password_keys(connector_class))
    if manifest is not None:
        keys |= manifest.sensitive_keys
    if manifest is not None and live.get("connector.class") not in (None, connector_class):
        keys |= password_keys(live["connector.class"])
    return frozenset(keys)
