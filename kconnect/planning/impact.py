"""Change impact: what a planned change does to the data, beyond the config diff.

A pure function from (planned changes, live cluster, declared manifests) to `Impact`s, each
with a stable id, a severity, one sentence on what happens to the data and what to do
instead. `danger` impacts are refused by apply and reconcile without consent (`--force`, or
`acknowledge:` in the manifest or kconnect.yaml).

Every rule below names where its fact comes from. Debezium files are from
debezium/debezium@v3.6.1.Final (the facts sheet `../shared/reference/debezium-es-facts.md`
lists them as D1..D16); Connect files from apache/kafka (connect/runtime); the Elasticsearch
sink from confluentinc/kafka-connect-elasticsearch@v15.1.x.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from enum import Enum
from typing import Any

from kconnect.records import record

# Offsets known per connector (from `GET /connectors/{name}/offsets`): True when the
# connector has at least one, False when it has none, absent when not read.
HasOffsets = Mapping[str, bool]


class ImpactSeverity(str, Enum):
    INFO = "info"
    WARNING = "warning"
    DANGER = "danger"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "danger": 2}[self.value]


@record
class Impact:
    id: str  # stable: what `acknowledge:` names
    severity: ImpactSeverity
    message: str  # one sentence: what happens to the data
    advice: str  # what to do instead
    keys: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity.value,
            "message": self.message,
            "advice": self.advice,
            "keys": list(self.keys),
        }


@record
class ImpactRule:
    """One entry of the catalog (README table, `acknowledge:` ids)."""

    id: str
    severity: ImpactSeverity
    summary: str


_I, _W, _D = ImpactSeverity.INFO, ImpactSeverity.WARNING, ImpactSeverity.DANGER
IMPACT_RULES: tuple[ImpactRule, ...] = (
    ImpactRule(
        "config-update-restarts",
        _I,
        "Any config update restarts the connector and its tasks.",
    ),
    ImpactRule(
        "looks-like-rename",
        _W,
        "A delete and a create of the same class with nearly the same config: offsets are lost.",
    ),
    ImpactRule(
        "moved-from-missing",
        _W,
        "`moved_from` names a connector that does not exist: nothing to carry over.",
    ),
    ImpactRule(
        "topic-prefix-changed",
        _D,
        "Debezium `topic.prefix` changed: new topics, and a new snapshot into them.",
    ),
    ImpactRule(
        "schema-history-topic-changed",
        _D,
        "Debezium `schema.history.internal.kafka.topic` changed: the connector fails on restart.",
    ),
    ImpactRule(
        "server-id-shared",
        _D,
        "`database.server.id` is used by another connector on the same database server.",
    ),
    ImpactRule(
        "connector-class-changed",
        _D,
        "`connector.class` changed: the new class inherits offsets it did not write.",
    ),
    ImpactRule(
        "snapshot-mode-no-resnapshot",
        _W,
        "`snapshot.mode` changed on a connector with offsets: no new snapshot.",
    ),
    ImpactRule(
        "snapshot-mode-always",
        _W,
        "`snapshot.mode` set to always: every restart re-sends every row.",
    ),
    ImpactRule(
        "table-added-no-snapshot",
        _W,
        "Tables added to `table.include.list`: their existing rows are not snapshotted.",
    ),
    ImpactRule(
        "sink-key-ignore-toggled",
        _W,
        "Elasticsearch sink `key.ignore` toggled: every document id changes (duplicates).",
    ),
)
IMPACT_IDS = frozenset(r.id for r in IMPACT_RULES)
_RULES = {r.id: r for r in IMPACT_RULES}

ELASTICSEARCH_SINK = "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector"
_BINLOG = frozenset(
    {
        "io.debezium.connector.mysql.MySqlConnector",
        "io.debezium.connector.mariadb.MariaDbConnector",
        "MySqlConnector",
        "MariaDbConnector",
    }
)
# Debezium 1.x names of the same keys (debezium-es-facts.md, "Renames from 1.x to 2.x").
_PREFIX_KEYS = ("topic.prefix", "database.server.name")
_HISTORY_TOPIC_KEYS = ("schema.history.internal.kafka.topic", "database.history.kafka.topic")
_INCLUDE_LIST_KEYS = ("table.include.list", "table.whitelist")
# Two configs this alike (share of equal key/value pairs) look like one connector renamed.
RENAME_SIMILARITY = 0.7


@record
class PlannedChange:
    """What impact assessment needs of one planned change (raw values, never shown)."""

    name: str
    action: str  # "create", "update", "delete", "rename"
    before: Mapping[str, str]  # the live config (the moved-from connector's for a rename)
    after: Mapping[str, str]  # the desired config; empty for a delete
    moved_from: str | None = None


def _impact(rule_id: str, message: str, advice: str, keys: Sequence[str] = ()) -> Impact:
    return Impact(rule_id, _RULES[rule_id].severity, message, advice, tuple(keys))


def is_debezium(config: Mapping[str, str]) -> bool:
    cls = config.get("connector.class", "").strip()
    return cls.startswith("io.debezium.connector.") or cls in _BINLOG


def _first_changed(
    before: Mapping[str, str], after: Mapping[str, str], keys: Sequence[str]
) -> tuple[str, str, str] | None:
    """(key, old, new) for the first of `keys` (aliases of one setting) whose effective value
    changed; a key set under one alias and moved to the other is no change."""
    old = next((before[k].strip() for k in keys if k in before), None)
    new = next((after[k].strip() for k in keys if k in after), None)
    if old is None or new is None or old == new:
        return None
    key = next(k for k in keys if k in after)
    return key, old, new


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _similarity(a: Mapping[str, str], b: Mapping[str, str]) -> float:
    keys = (a.keys() | b.keys()) - {"name"}
    if not keys:
        return 1.0
    return sum(a.get(k) == b.get(k) for k in keys) / len(keys)


def assess(
    changes: Sequence[PlannedChange],
    live: Mapping[str, Mapping[str, str]],
    declared: Mapping[str, Mapping[str, str]],
    has_offsets: HasOffsets | None = None,
) -> dict[str, tuple[Impact, ...]]:
    """The impacts of each change, by connector name, most severe first.

    `live`: every connector's live config (owned or not); `declared`: every declared
    connector's desired config; `has_offsets`: what was read of offsets, when it was.
    """
    offsets = has_offsets or {}
    found: dict[str, list[Impact]] = {c.name: [] for c in changes}
    # What exists once the plan is applied: declared connectors, and live ones it leaves.
    gone = {c.name for c in changes if c.action == "delete"}
    gone |= {c.moved_from for c in changes if c.action == "rename" and c.moved_from}
    after = {n: c for n, c in {**live, **declared}.items() if n not in gone}
    for change in changes:
        impacts = found[change.name]
        if change.action == "update":
            impacts.extend(_update_impacts(change, offsets.get(change.name)))
        if change.action in ("create", "update", "rename"):
            impacts.extend(_server_id_impacts(change, after))
        if change.action == "rename":
            impacts.extend(_update_impacts(change, offsets.get(change.moved_from or ""), True))
        if change.action == "create" and change.moved_from:
            impacts.append(
                _impact(
                    "moved-from-missing",
                    f"moved_from names {change.moved_from}, which does not exist on the cluster: "
                    f"{change.name} starts without offsets (a Debezium source snapshots again, a "
                    "sink reads from auto.offset.reset)",
                    "check the old name; remove moved_from once the rename is done",
                    ("moved_from",),
                )
            )
    _rename_impacts(changes, found)
    return {
        name: tuple(sorted(items, key=lambda i: -i.severity.rank)) for name, items in found.items()
    }


def _update_impacts(
    change: PlannedChange, has_offsets: bool | None, renamed: bool = False
) -> list[Impact]:
    before, after = change.before, change.after
    impacts: list[Impact] = []
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    changed = [k for k in changed if k != "name"]
    if not changed:
        return impacts
    if not renamed:
        # A config update is a new config record: the herder restarts the connector, which
        # then regenerates its task configs, and tasks whose config differ are restarted
        # (apache/kafka connect/runtime DistributedHerder.processConnectorConfigUpdates ->
        # Worker.startConnector; AbstractHerder "reconfigureConnectorTasksWithRetry").
        # Records since the last offset commit are delivered again (at-least-once).
        impacts.append(
            _impact(
                "config-update-restarts",
                "Connect restarts the connector and its tasks to apply the new config; records "
                "since the last offset commit may be delivered again",
                "nothing to do; batch config changes to restart once",
                changed,
            )
        )
    old_class = before.get("connector.class", "").strip()
    new_class = after.get("connector.class", "").strip()
    if old_class and new_class and old_class != new_class:
        # Offsets are stored under the connector's name, not its class: source offsets in the
        # offsets topic keyed by [name, partition] (connect/runtime OffsetStorageWriter,
        # KIP-875), sink offsets in the consumer group `connect-<name>`
        # (SinkUtils.consumerGroupId). The new class reads what the old one wrote.
        impacts.append(
            _impact(
                "connector-class-changed",
                f"{change.name} keeps its name, so {new_class} inherits the offsets (and a sink "
                f"the consumer group connect-{change.name}) that {old_class} wrote: it resumes "
                "from a position it did not write, or finds none and starts over",
                "create a connector with a new name for the new class, and delete the old one "
                "once the new one has caught up",
                ("connector.class",),
            )
        )
    if is_debezium(before) and is_debezium(after):
        impacts.extend(_debezium_impacts(change, has_offsets))
    if ELASTICSEARCH_SINK in (old_class, new_class):
        impacts.extend(_key_ignore_impacts(change))
    return impacts


def _debezium_impacts(change: PlannedChange, has_offsets: bool | None) -> list[Impact]:
    before, after = change.before, change.after
    impacts: list[Impact] = []
    if hit := _first_changed(before, after, _PREFIX_KEYS):
        key, old, new = hit
        # topic.prefix names every topic: <topic.prefix>.<db>.<table>, the DDL topic
        # <topic.prefix> (D16 AbstractTopicNamingStrategy; D11: "Do not change the value of
        # this property"), and it is the source partition of the offsets: {"server":
        # <topic.prefix>} (BinlogPartition.getSourcePartition). With a new prefix there are
        # no offsets under it, so snapshot.mode=initial snapshots every table again.
        impacts.append(
            _impact(
                "topic-prefix-changed",
                f"Debezium writes every change to topics named {new}.* instead of {old}.*, "
                f"and finds no offsets under {new!r}, so it snapshots every table again into "
                f"the new topics; consumers and sinks reading {old}.* receive nothing more",
                "keep the prefix; to move to new topics, deploy a second connector with a new "
                "name and prefix, switch the consumers, then delete the old one",
                (key,),
            )
        )
    if hit := _first_changed(before, after, _HISTORY_TOPIC_KEYS):
        key, old, new = hit
        # On start with offsets, the connector recovers table schemas from the history topic;
        # a missing or empty one fails the task. Seen on the real worker (Debezium 3.x,
        # BaseSourceTask.validateSchemaHistory): "The db history topic is missing. You may
        # attempt to recover it by reconfiguring the connector to recovery."; older releases
        # say "The db history topic or its content is fully or partially missing"
        # (HistorizedRelationalDatabaseSchema.recover). D6 KafkaSchemaHistory.exists.
        impacts.append(
            _impact(
                "schema-history-topic-changed",
                f"Debezium recovers table schemas from {new!r} on restart, which does not hold "
                f"the history written to {old!r}: the connector fails ('The db history topic is "
                "missing') and streams nothing",
                "keep the history topic; to move it, copy the old topic's records to the new "
                "one first, or rebuild it with snapshot.mode=recovery",
                (key,),
            )
        )
    if has_offsets is not False:
        mode = _mode_change(before, after)
        if mode is not None and mode[2].lower() == "always":
            # always: "the connector performs a snapshot every time that it starts" (D1
            # SnapshotMode.ALWAYS; D11 snapshot.mode).
            impacts.append(
                _impact(
                    "snapshot-mode-always",
                    "with snapshot.mode=always Debezium snapshots every captured table at every "
                    "start, this restart included: every row is sent again",
                    "use an incremental snapshot signal for a one-off re-read instead",
                    ("snapshot.mode",),
                )
            )
        elif mode is not None:
            # initial and the other modes snapshot only when no offsets exist (D1
            # SnapshotMode: "the connector runs a snapshot only when no offsets have been
            # recorded for the logical server name").
            impacts.append(
                _impact(
                    "snapshot-mode-no-resnapshot",
                    f"snapshot.mode={mode[2]} is read only when the connector has no offsets; "
                    f"{change.moved_from or change.name} has offsets, so no snapshot runs and "
                    "streaming resumes where it stopped",
                    "to re-read tables, send an execute-snapshot signal (incremental snapshot, "
                    "needs signal.data.collection or another signal channel)",
                    ("snapshot.mode",),
                )
            )
        added = _added_tables(before, after)
        if added:
            # A running connector streams newly included tables from the binlog position on;
            # the initial snapshot ran once. Existing rows need an incremental snapshot:
            # D10 "Incremental snapshots", execute-snapshot signal with data-collections.
            shown = ", ".join(added[:5]) + (f" and {len(added) - 5} more" if len(added) > 5 else "")
            impacts.append(
                _impact(
                    "table-added-no-snapshot",
                    f"Debezium captures only new changes of {shown}: rows that already exist in "
                    "them are not snapshotted, since the initial snapshot ran once",
                    "after apply, send an execute-snapshot signal for them (incremental "
                    "snapshot; needs signal.data.collection or another signal channel)",
                    ("table.include.list",),
                )
            )
    return impacts


def _mode_change(
    before: Mapping[str, str], after: Mapping[str, str]
) -> tuple[str, str, str] | None:
    """snapshot.mode's effective change; `initial` when not set (D1 SNAPSHOT_MODE default)."""
    old = before.get("snapshot.mode", "initial").strip().lower() or "initial"
    new = after.get("snapshot.mode", "initial").strip().lower() or "initial"
    return None if old == new else ("snapshot.mode", old, new)


def _added_tables(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    old = next((before[k] for k in _INCLUDE_LIST_KEYS if k in before), None)
    new = next((after[k] for k in _INCLUDE_LIST_KEYS if k in after), None)
    if old is None:
        return []  # no list before captured every table already
    if new is None:
        return ["every table not listed before (table.include.list removed)"]
    known = set(_split(old))
    return [t for t in _split(new) if t not in known]


def _key_ignore(config: Mapping[str, str]) -> bool:
    return config.get("key.ignore", "false").strip().lower() == "true"


def _key_ignore_impacts(change: PlannedChange) -> list[Impact]:
    before, after = change.before, change.after
    if _key_ignore(before) == _key_ignore(after):
        return []
    # DataConverter.convertRecord: id = topic+partition+offset when the key is ignored,
    # else the record key (../shared/elasticsearch-sink, DataConverter.java).
    old, new = (
        ("the record key", "topic+partition+offset")
        if _key_ignore(after)
        else ("topic+partition+offset", "the record key")
    )
    return [
        _impact(
            "sink-key-ignore-toggled",
            f"document ids change from {old} to {new}: new writes no longer replace the "
            "documents already indexed, so the index holds duplicates (and deletes by key "
            "miss the old ones)",
            "keep key.ignore; to change document ids, index into a new index (the index is "
            "named after the topic: rename it with a RegexRouter) with a new connector that "
            "reads the topic from the start, then switch readers",
            ("key.ignore",),
        )
    ]


def _server_key(config: Mapping[str, str]) -> tuple[str, str, str] | None:
    if config.get("connector.class", "").strip() not in _BINLOG:
        return None
    server_id = config.get("database.server.id", "").strip()
    if not server_id:
        return None
    host = config.get("database.hostname", "").strip().lower()
    port = config.get("database.port", "3306").strip() or "3306"
    return host, port, server_id


def _server_id_impacts(
    change: PlannedChange, after: Mapping[str, Mapping[str, str]]
) -> list[Impact]:
    mine = _server_key(change.after)
    if mine is None:
        return []
    if _server_key(change.before) == mine and change.action == "update":
        return []  # unchanged: not this plan's doing
    others = {n: c for n, c in after.items() if n != change.name}
    sharing = sorted(n for n, c in others.items() if _server_key(c) == mine)
    if not sharing:
        return []
    host, port, server_id = mine
    # The server allows one replication client per server id and disconnects the older one:
    # "A slave with the same server_uuid/server_id as this slave has connected to the master"
    # (D1 SERVER_ID: unique among all replication clients; facts sheet pitfall 5).
    return [
        _impact(
            "server-id-shared",
            f"database.server.id {server_id} is also used by {', '.join(sharing)} on "
            f"{host}:{port}: the server disconnects one binlog client whenever the other "
            "connects, so the connectors stall and fail in turn",
            "give each connector its own database.server.id",
            ("database.server.id",),
        )
    ]


def _rename_impacts(changes: Sequence[PlannedChange], found: dict[str, list[Impact]]) -> None:
    deletes = [c for c in changes if c.action == "delete"]
    creates = [c for c in changes if c.action == "create" and not c.moved_from]
    for new in creates:
        best: tuple[float, PlannedChange] | None = None
        for old in deletes:
            if old.before.get("connector.class") != new.after.get("connector.class"):
                continue
            score = _similarity(old.before, new.after)
            if score >= RENAME_SIMILARITY and (best is None or score > best[0]):
                best = (score, old)
        if best is None:
            continue
        old = best[1]
        # Offsets belong to the connector name: source offsets are keyed by it, a sink's
        # consumer group is connect-<name> (SinkUtils.consumerGroupId); a new name starts
        # with none (KIP-875 "Offsets are tracked per connector").
        message = (
            f"this looks like a rename of {old.name} to {new.name}, but offsets belong to the "
            f"name: {new.name} starts without {old.name}'s offsets (a Debezium source "
            "snapshots every table again, a sink reads its topics per auto.offset.reset)"
        )
        advice = f"add 'moved_from: {old.name}' to {new.name}'s manifest to carry the offsets over"
        found[new.name].append(_impact("looks-like-rename", message, advice))
        found[old.name].append(_impact("looks-like-rename", message, advice))


def refused(
    impacts_by_name: Mapping[str, Collection[Impact]],
    acknowledged: Mapping[str, Collection[str]],
) -> list[tuple[str, Impact]]:
    """The danger impacts nobody acknowledged, as (connector, impact)."""
    return [
        (name, impact)
        for name, impacts in sorted(impacts_by_name.items())
        for impact in impacts
        if impact.severity is ImpactSeverity.DANGER and impact.id not in acknowledged.get(name, ())
    ]


def offsets_wanted(
    desired: Sequence[tuple[str, Mapping[str, str], str | None]],
    live: Mapping[str, Mapping[str, str]],
) -> list[str]:
    """The live connectors whose offsets decide an impact: Debezium connectors whose
    snapshot.mode or captured tables change. `desired`: (name, config, moved_from)."""
    names = []
    for name, config, moved_from in desired:
        source = moved_from if moved_from in live else name
        before = live.get(source or "")
        if before is None or not (is_debezium(before) and is_debezium(config)):
            continue
        if _mode_change(before, config) or _added_tables(before, config):
            names.append(source or name)
    return sorted(set(names))


def impacts_markdown() -> str:
    """The table of impact ids in docs/impacts.md (tests/test_impact.py keeps them in sync)."""
    rows = ["| Id | Severity | What the change does |", "|---|---|---|"]
    rows += [f"| `{r.id}` | {r.severity.value} | {r.summary} |" for r in IMPACT_RULES]
    return "\n".join(rows) + "\n"
