"""Desired-state data: one `Manifest` per connector declared in YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from kconnect.diagnostics import Location

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


@dataclass(frozen=True)
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

    @property
    def connector_class(self) -> str:
        return self.config.get("connector.class", "")

    def location_of(self, key: str) -> Location:
        """Where `key` was written; the document's start when it was not written at all."""
        return self.key_locations.get(key, self.location)
