"""Debezium sources: removed SMT options, snapshot locking, and what two sources must not share."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from kconnect.manifests.model import Manifest
from kconnect.validate.lint.common import (
    KAFKA_HISTORY,
    Report,
    is_sink,
    is_unwrap,
    read_int,
    read_lower,
    split_list,
    transforms_of,
)

if TYPE_CHECKING:
    from kconnect.validate.lint.topics import Source

_Key = TypeVar("_Key")
# What the removed ExtractNewRecordState options meant, in delete.tombstone.handling.mode words
# (Debezium 2.5 ExtractNewRecordStateConfigDefinition.DeleteTombstoneHandling).
_REPLACEMENT = {
    ("drop.tombstones", "true"): "drop",
    ("drop.tombstones", "false"): "tombstone",
    ("delete.handling.mode", "drop"): "drop",
    ("delete.handling.mode", "rewrite"): "rewrite",
}


def check_unwrap_options(report: Report, m: Manifest) -> None:
    for t in transforms_of(m):
        if not is_unwrap(t):
            continue
        for option in ("drop.tombstones", "delete.handling.mode"):
            if option in t.props:
                old = t.props[option].strip().lower()
                new = _REPLACEMENT.get((option, old))
                value = f": {new}" if new else ""
                report.add(
                    "smt-removed-option",
                    m,
                    t.key(option),
                    f"{t.key(option)} was removed from ExtractNewRecordState in Debezium 3.2: "
                    "Connect ignores it, so what it asks for is lost; use "
                    f"{t.key('delete.tombstone.handling.mode')}{value}",
                )


_DATA_SNAPSHOTS = frozenset({"initial", "always", "when_needed", "initial_only"})


def check_snapshot_locking(report: Report, m: Manifest) -> None:
    locking = read_lower(m.config, "snapshot.locking.mode", "minimal")
    mode = read_lower(m.config, "snapshot.mode", "initial")
    if locking == "none" and mode in _DATA_SNAPSHOTS:
        report.add(
            "snapshot-without-locks",
            m,
            "snapshot.locking.mode",
            f"snapshot.locking.mode=none with snapshot.mode={mode}, which snapshots data: "
            "schema changes during the snapshot can make it inconsistent",
        )


def _shared(groups: Mapping[_Key, list[Manifest]]) -> Iterator[tuple[_Key, Manifest, str]]:
    """Each manifest whose group holds another, with the group's key and the others' names."""
    for key, group in groups.items():
        for m in group:
            if others := ", ".join(o.name for o in group if o is not m):
                yield key, m, others


def check_source_identity(
    report: Report, manifests: Sequence[Manifest], sources: list[Source]
) -> None:
    # database.server.id, per database server.
    servers: dict[tuple[str, str], list[tuple[Manifest, int]]] = defaultdict(list)
    for src in sources:
        config = src.manifest.config
        server_id = read_int(config, "database.server.id")
        if server_id is None:
            continue
        host = config.get("database.hostname", "").strip().lower()
        port = config.get("database.port", "3306").strip() or "3306"
        servers[(host, port)].append((src.manifest, server_id))
    for (host, port), clients in servers.items():
        for (a, id_a), (b, id_b) in itertools.permutations(clients, 2):
            if id_a == id_b:
                report.add(
                    "server-id-conflict",
                    a,
                    "database.server.id",
                    f"database.server.id {id_a} is also used by {b.name} on {host}:{port}; "
                    "the server disconnects one of them",
                )
                continue
            offset = read_int(a.config, "database.server.id.offset", 10000) or 10000
            threads = max(read_int(a.config, "snapshot.max.threads", 1) or 1, 1)
            if id_a + offset <= id_b < id_a + offset + threads:
                report.add(
                    "server-id-offset-overlap",
                    b,
                    "database.server.id",
                    f"database.server.id {id_b} falls in {a.name}'s parallel-snapshot ids "
                    f"({id_a} + offset {offset}) on {host}:{port}",
                )

    # schema history topic, per Kafka cluster.
    histories: dict[tuple[frozenset[str], str], list[Manifest]] = defaultdict(list)
    for src in sources:
        config = src.manifest.config
        if config.get("schema.history.internal", KAFKA_HISTORY).strip() != KAFKA_HISTORY:
            continue
        topic = config.get("schema.history.internal.kafka.topic", "").strip()
        servers_key = frozenset(
            s.lower()
            for s in split_list(config.get("schema.history.internal.kafka.bootstrap.servers", ""))
        )
        if topic:
            histories[(servers_key, topic)].append(src.manifest)
    for (_, topic), m, others in _shared(histories):
        report.add(
            "history-topic-shared",
            m,
            "schema.history.internal.kafka.topic",
            f"schema history topic {topic!r} is shared with {others}: recovery would "
            "read another connector's DDL",
        )

    # topic.prefix, across every Debezium connector.
    prefixes: dict[str, list[Manifest]] = defaultdict(list)
    for dbz in manifests:
        prefix = dbz.config.get("topic.prefix", "").strip()
        if prefix and dbz.connector_class.startswith("io.debezium.connector.") and not is_sink(dbz):
            prefixes[prefix].append(dbz)
    for prefix, m, others in _shared(prefixes):
        report.add(
            "topic-prefix-shared",
            m,
            "topic.prefix",
            f"topic.prefix {prefix!r} is also used by {others}: their topics and offsets collide",
        )
