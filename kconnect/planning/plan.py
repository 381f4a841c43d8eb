"""Planning: a pure function from (desired manifests, live cluster) to a frozen `Plan`.

The plan holds only display-safe values: secrets are masked when the plan is built, so no
renderer can leak one by accident. Apply works from the manifests, not from these values.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from kconnect.api.live import comparable_config, live_config, live_state
from kconnect.manifests.model import Manifest, TargetState
from kconnect.output.redaction import MASK, config_secret_values, mask_value
from kconnect.planning.impact import HasOffsets, Impact, ImpactSeverity, PlannedChange, assess
from kconnect.planning.scope import NO_SCOPE, Scope, ScopeError, matches_any
from kconnect.records import field, record, replace

# Live connector states that already satisfy a desired state. FAILED, UNASSIGNED and
# RESTARTING are health problems of a running connector, not a different target state.
_SATISFIES: Mapping[TargetState, frozenset[str]] = {
    TargetState.RUNNING: frozenset({"RUNNING", "FAILED", "UNASSIGNED", "RESTARTING"}),
    TargetState.PAUSED: frozenset({"PAUSED"}),
    TargetState.STOPPED: frozenset({"STOPPED"}),
}


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    # Create under the manifest's name from `moved_from`'s config and offsets, then delete it.
    RENAME = "rename"


class KeyChangeKind(str, Enum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"


@record
class KeyChange:
    key: str
    kind: KeyChangeKind
    before: str | None  # display-safe: masked when secret
    after: str | None
    secret: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "change": self.kind.value,
            "before": self.before,
            "after": self.after,
            "secret": self.secret,
        }


@record
class ConnectorChange:
    name: str
    action: Action
    key_changes: tuple[KeyChange, ...] = ()
    state_before: str | None = None  # the worker's word (RUNNING, PAUSED, ...), None if absent
    state_after: TargetState | None = None  # None for deletes
    # What the change does to the data (kconnect.planning.impact), most severe first.
    impacts: tuple[Impact, ...] = ()
    # For a rename: the connector whose offsets move to this one (`key_changes` and
    # `state_before` describe it).
    moved_from: str | None = None
    # For a rename found half done: the new connector's live state (it already exists).
    resuming: str | None = None

    @property
    def config_changed(self) -> bool:
        return self.action in (Action.CREATE, Action.RENAME) or bool(self.key_changes)

    @property
    def dangers(self) -> tuple[Impact, ...]:
        return tuple(i for i in self.impacts if i.severity is ImpactSeverity.DANGER)

    @property
    def state_changed(self) -> bool:
        if self.action is not Action.UPDATE or self.state_after is None:
            return False
        return self.state_before not in _SATISFIES[self.state_after]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "action": self.action.value,
            "config_changed": self.config_changed,
            "state_before": self.state_before,
            "state_after": self.state_after.value if self.state_after else None,
            "keys": [k.to_dict() for k in self.key_changes],
            "moved_from": self.moved_from,
            "resuming": self.resuming,
            "impacts": [i.to_dict() for i in self.impacts],
        }


@record
class Plan:
    changes: tuple[ConnectorChange, ...]
    unchanged: tuple[str, ...] = ()
    # Live connectors no manifest declares, left alone because --prune was not given.
    unmanaged: tuple[str, ...] = ()
    pruning: bool = False
    counts: Mapping[str, int] = field(default_factory=dict)
    scope: Scope = NO_SCOPE
    # Live connectors outside the scope: never written, paused, restarted or deleted.
    not_owned: tuple[str, ...] = ()
    # How many connectors in the scope exist on the cluster (what safe-plan limits weigh).
    owned_on_cluster: int = 0
    targets: tuple[str, ...] = ()
    # Owned connectors (declared or live) that --target left out of this plan.
    untargeted: tuple[str, ...] = ()
    # Per connector, its `ignore_keys` whose declared value differs from the live one: left as
    # the cluster has them, never counted as changes.
    ignored: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": [c.to_dict() for c in self.changes],
            "unchanged": list(self.unchanged),
            "unmanaged": list(self.unmanaged),
            "prune": self.pruning,
            "summary": dict(self.counts),
            "scope": {
                **self.scope.to_dict(),
                "not_owned": len(self.not_owned),
                "owned_on_cluster": self.owned_on_cluster,
            },
            "targets": list(self.targets) or None,
            "untargeted": len(self.untargeted),
            "ignored": {name: list(keys) for name, keys in self.ignored.items()},
        }


def diff_config(
    live: Mapping[str, str],
    desired: Mapping[str, str],
    password_keys: Collection[str] = (),
) -> tuple[KeyChange, ...]:
    """Key-level differences, sorted by key, with secret values masked."""
    live = comparable_config(live)
    desired = comparable_config(desired)
    changes: list[KeyChange] = []
    for key in sorted(live.keys() | desired.keys()):
        before, after = live.get(key), desired.get(key)
        if before == after:
            continue
        kind = (
            KeyChangeKind.ADDED
            if before is None
            else KeyChangeKind.REMOVED
            if after is None
            else KeyChangeKind.CHANGED
        )
        shown_before = mask_value(key, before, password_keys)
        shown_after = mask_value(key, after, password_keys)
        secret = shown_before != before or shown_after != after
        changes.append(KeyChange(key, kind, shown_before, shown_after, secret))
    return tuple(changes)


def desired_config(manifest: Manifest, live: Mapping[str, str] | None) -> dict[str, str]:
    """The config to write for `manifest`: its own, except that each of its `ignore_keys`
    keeps the value the live connector has (and stays absent when it has none), since a PUT
    replaces the whole config. With no live connector (a create) the manifest's own values
    go: a key is ignored for changes only, as Terraform's `ignore_changes` does."""
    if live is None or not manifest.ignore_keys:
        return dict(manifest.config)
    config = {k: v for k, v in manifest.config.items() if k not in manifest.ignore_keys}
    config.update({k: live[k] for k in sorted(manifest.ignore_keys) if k in live})
    return config


def _live_source(manifest: Manifest, live: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The live connector a manifest is compared with: the one it renames, or its own."""
    if manifest.moved_from is not None and manifest.moved_from in live:
        return manifest.moved_from
    return manifest.name if manifest.name in live else None


def as_written(
    manifests: Iterable[Manifest], live: Mapping[str, Mapping[str, Any]]
) -> list[Manifest]:
    """The manifests with the config apply writes (`desired_config`): planning compares it
    and apply sends it, so an ignored key never shows as a change and is never overwritten."""
    written = []
    for manifest in manifests:
        source = _live_source(manifest, live)
        config = live_config(live[source]) if source is not None else None
        written.append(
            replace(manifest, config=desired_config(manifest, config))
            if manifest.ignore_keys
            else manifest
        )
    return written


def ignored_differences(
    manifests: Iterable[Manifest], live: Mapping[str, Mapping[str, Any]]
) -> dict[str, tuple[str, ...]]:
    """Per connector with a live counterpart, the ignored keys whose declared value (or
    absence) differs from the live one."""
    found: dict[str, tuple[str, ...]] = {}
    for manifest in manifests:
        source = _live_source(manifest, live)
        if source is None or not manifest.ignore_keys:
            continue
        config = live_config(live[source])
        keys = tuple(
            k for k in sorted(manifest.ignore_keys) if manifest.config.get(k) != config.get(k)
        )
        if keys:
            found[manifest.name] = keys
    return found


def build_plan(
    desired: Iterable[Manifest],
    live: Mapping[str, Mapping[str, Any]],
    *,
    prune: bool = False,
    scope: Scope = NO_SCOPE,
    targets: Collection[str] = (),
    password_keys_for: Callable[[Manifest | None, Mapping[str, str]], Collection[str]] = (
        lambda _m, _c: ()
    ),
    has_offsets: HasOffsets | None = None,
) -> Plan:
    """Compare manifests with the live cluster (`GET /connectors?expand=info&expand=status`).

    Only connectors in `scope` are planned; with `targets`, only those matching a target.
    `password_keys_for(manifest, live_config)` names the PASSWORD-typed keys of a connector
    (from bundled schemas, or the worker's validate definitions when online); keys that merely
    look like secrets are masked regardless. `has_offsets` is what was read of the offsets of
    the connectors `offsets_wanted` names; each change carries its impacts. Each manifest's
    `ignore_keys` are compared, and listed in `Plan.ignored`, as they will be written: with
    the live values (`as_written`).
    """
    as_declared = list(desired)
    desired = as_written(as_declared, live)
    changes: list[ConnectorChange] = []
    unchanged: list[str] = []
    untargeted: list[str] = []
    declared: set[str] = set()
    # Live connectors a rename replaces: neither undeclared nor pruned.
    moving: set[str] = set()

    def targeted(name: str) -> bool:
        return not targets or matches_any(name, targets)

    for manifest in desired:
        if not scope.owns(manifest.name):
            # `validate` rejects these; a library caller that skipped it gets no writes.
            raise ScopeError(
                f"connector {manifest.name!r} is outside the ownership scope "
                f"({scope.describe()}); it is never planned"
            )
        declared.add(manifest.name)
        old = manifest.moved_from
        if old is not None and old in live:
            if not scope.owns(old):
                raise ScopeError(
                    f"{manifest.name}: moved_from {old!r} is outside the ownership scope "
                    f"({scope.describe()}); it is never renamed"
                )
            moving.add(old)
        if not targeted(manifest.name):
            untargeted.append(manifest.name)
            continue
        if old is not None and old in live:
            config = live_config(live[old])
            keys = diff_config(config, manifest.config, password_keys_for(manifest, config))
            changes.append(
                ConnectorChange(
                    manifest.name,
                    Action.RENAME,
                    keys,
                    live_state(live[old]),
                    manifest.state,
                    moved_from=old,
                    resuming=(
                        (live_state(live[manifest.name]) or "UNASSIGNED")
                        if manifest.name in live
                        else None
                    ),
                )
            )
            continue
        entry = live.get(manifest.name)
        if entry is None:
            keys = diff_config({}, manifest.config, password_keys_for(manifest, {}))
            changes.append(
                ConnectorChange(manifest.name, Action.CREATE, keys, None, manifest.state)
            )
            continue
        config = live_config(entry)
        keys = diff_config(config, manifest.config, password_keys_for(manifest, config))
        change = ConnectorChange(
            manifest.name, Action.UPDATE, keys, live_state(entry), manifest.state
        )
        if change.config_changed or change.state_changed:
            changes.append(change)
        else:
            unchanged.append(manifest.name)

    not_owned = sorted(n for n in live if not scope.owns(n))
    undeclared: list[str] = []
    for name in sorted(set(live) - declared - moving - set(not_owned)):
        if targeted(name):
            undeclared.append(name)
        else:
            untargeted.append(name)
    if prune:
        for name in undeclared:
            config = live_config(live[name])
            keys = diff_config(config, {}, password_keys_for(None, config))
            changes.append(ConnectorChange(name, Action.DELETE, keys, live_state(live[name]), None))
    changes = _with_impacts(changes, desired, live, has_offsets, password_keys_for)
    changes.sort(key=lambda c: c.name)
    return Plan(
        changes=tuple(changes),
        unchanged=tuple(sorted(unchanged)),
        unmanaged=() if prune else tuple(undeclared),
        pruning=prune,
        counts=_counts(changes, len(unchanged)),
        scope=scope,
        not_owned=tuple(not_owned),
        owned_on_cluster=len(live) - len(not_owned),
        targets=tuple(targets),
        untargeted=tuple(sorted(untargeted)),
        ignored=ignored_differences(
            (m for m in as_declared if scope.owns(m.name) and targeted(m.name)), live
        ),
    )


def _counts(changes: Sequence[ConnectorChange], unchanged: int) -> dict[str, int]:
    counts = {
        "create": sum(c.action is Action.CREATE for c in changes),
        "update": sum(c.action is Action.UPDATE for c in changes),
        "delete": sum(c.action is Action.DELETE for c in changes),
        "unchanged": unchanged,
    }
    # Only when there are any: plans without renames keep their summary as it was.
    renames = sum(c.action is Action.RENAME for c in changes)
    if renames:
        counts["rename"] = renames
    return counts


def _with_impacts(
    changes: list[ConnectorChange],
    desired: list[Manifest],
    live: Mapping[str, Mapping[str, Any]],
    has_offsets: HasOffsets | None,
    password_keys_for: Callable[[Manifest | None, Mapping[str, str]], Collection[str]],
) -> list[ConnectorChange]:
    by_name = {m.name: m for m in desired}
    live_configs = {n: comparable_config(live_config(e)) for n, e in live.items()}
    planned = []
    for change in changes:
        manifest = by_name.get(change.name)
        source = change.moved_from if change.action is Action.RENAME else change.name
        planned.append(
            PlannedChange(
                change.name,
                change.action.value,
                live_configs.get(source or "", {}),
                dict(manifest.config) if manifest is not None else {},
                manifest.moved_from if manifest is not None else None,
            )
        )
    declared = {m.name: dict(m.config) for m in desired}
    impacts = assess(planned, live_configs, declared, has_offsets)
    masked = []
    for change, facts in zip(changes, planned, strict=True):
        # Impacts quote values (a topic prefix, a table list). Those of the connector's secret
        # keys (`sensitive_keys` included) are masked as in its key changes, whatever their
        # length: a short one is too common a string for the output's by-value safety net.
        keys = password_keys_for(by_name.get(change.name), facts.before)
        secrets = config_secret_values(facts.before, keys) | config_secret_values(facts.after, keys)
        masked.append(
            replace(
                change, impacts=tuple(_masked(i, secrets) for i in impacts.get(change.name, ()))
            )
        )
    return masked


def _masked(impact: Impact, secrets: Collection[str]) -> Impact:
    """`impact` with each of `secrets` masked where it stands as a word of its own."""
    if not secrets:
        return impact
    import re

    ordered = sorted(secrets, key=len, reverse=True)  # a longer value before its prefix
    word = re.compile(
        r"(?<![A-Za-z0-9_])(?:" + "|".join(map(re.escape, ordered)) + r")(?![A-Za-z0-9_])"
    )
    return replace(
        impact, message=word.sub(MASK, impact.message), advice=word.sub(MASK, impact.advice)
    )
