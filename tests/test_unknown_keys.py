"""Unknown keys and typos: a corpus of valid configs that must stay silent, and a corpus of
typos that must all be caught with the right suggestion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kconnect.diagnostics import Location, Severity
from kconnect.validate.plugin_catalogs import CatalogSet
from kconnect.validate.unknown_keys import check_unknown_keys, distance
from tests.conftest import ES, FILE_SINK, FILE_SOURCE, MARIADB, MYSQL
from tests.conftest import located_manifest as mk  # short: test data reads best on one line

JSON = "org.apache.kafka.connect.json.JsonConverter"
AVRO = "io.confluent.connect.avro.AvroConverter"
UNWRAP = "io.debezium.transforms.ExtractNewRecordState"
ROOT = Path(__file__).resolve().parent.parent


def findings(config: dict[str, str]) -> list[tuple[str, str]]:
    return [(p.rule, p.message) for p in check_unknown_keys(mk(config), CatalogSet())]


def binlog(cls: str = MYSQL, **extra: str) -> dict[str, str]:
    return {
        "connector.class": cls,
        "tasks.max": "1",
        "database.hostname": "mysql",
        "database.port": "3306",
        "database.user": "debezium",
        "database.password": "${env:MYSQL_PASSWORD}",
        "database.server.id": "184054",
        "topic.prefix": "dbserver1",
        "database.include.list": "inventory",
        "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
        "schema.history.internal.kafka.topic": "schema-changes.inventory",
        **extra,
    }


def es(**extra: str) -> dict[str, str]:
    return {
        "connector.class": ES,
        "topics": "dbserver1.inventory.customers",
        "connection.url": "http://elasticsearch:9200",
        **extra,
    }


VALID: dict[str, dict[str, str]] = {
    "debezium-tutorial": binlog(),
    "mariadb-tutorial": binlog(MARIADB),
    "table-filters": binlog(
        **{
            "table.include.list": "inventory.customers,inventory.orders",
            "column.exclude.list": "inventory.customers.email",
            "message.key.columns": "inventory.orders:order_number",
        }
    ),
    "snapshot-tuning": binlog(
        **{
            "snapshot.mode": "when_needed",
            "snapshot.locking.mode": "minimal",
            "snapshot.fetch.size": "10000",
            "snapshot.max.threads": "4",
            "snapshot.delay.ms": "1000",
        }
    ),
    "snapshot-select-override": binlog(
        **{
            "snapshot.select.statement.overrides": "inventory.orders",
            "snapshot.select.statement.overrides.inventory.orders": "SELECT * FROM orders WHERE id > 100",
        }
    ),
    "column-masking": binlog(
        **{
            "column.mask.with.12.chars": "inventory.customers.ssn",
            "column.truncate.to.20.chars": "inventory.customers.notes",
            "column.mask.hash.SHA-256.with.salt.CzQMA0cB5K": "inventory.customers.email",
            "column.mask.hash.v2.SHA-256.with.salt.abc": "inventory.customers.phone",
            "column.propagate.source.type": ".*",
        }
    ),
    "jdbc-pass-through": binlog(
        **{
            "database.allowPublicKeyRetrieval": "true",
            "database.connectTimeout": "30000",
            "database.useCursorFetch": "true",
            "driver.sslMode": "DISABLED",
            "database.sslMode": "DISABLED",
            "database.serverTimezone": "UTC",
            "database.ssl.mode": "preferred",
        }
    ),
    "history-client-security": binlog(
        **{
            "schema.history.internal.producer.security.protocol": "SASL_SSL",
            "schema.history.internal.producer.sasl.mechanism": "PLAIN",
            "schema.history.internal.consumer.security.protocol": "SASL_SSL",
            "schema.history.internal.kafka.recovery.attempts": "200",
            "schema.history.internal.store.only.captured.tables.ddl": "true",
        }
    ),
    "file-history": binlog(
        **{
            "schema.history.internal": "io.debezium.storage.file.history.FileSchemaHistory",
            "schema.history.internal.file.filename": "/data/history.dat",
        }
    ),
    "signals-kafka": binlog(
        **{
            "signal.enabled.channels": "source,kafka",
            "signal.data.collection": "inventory.debezium_signal",
            "signal.kafka.topic": "signals",
            "signal.kafka.bootstrap.servers": "kafka:9092",
            "signal.kafka.groupId": "signals-1",
            "signal.consumer.security.protocol": "SSL",
        }
    ),
    "incremental-snapshots": binlog(
        **{
            "incremental.snapshot.chunk.size": "4096",
            "incremental.snapshot.allow.schema.changes": "true",
            "read.only": "true",
        }
    ),
    "heartbeats": binlog(
        **{
            "heartbeat.interval.ms": "10000",
            "heartbeat.action.query": "INSERT INTO heartbeat VALUES (1)",
            "topic.heartbeat.prefix": "__hb",
        }
    ),
    "topic-naming": binlog(
        **{
            "topic.delimiter": "_",
            "topic.naming.strategy": "io.debezium.schema.DefaultTopicNamingStrategy",
            "topic.transaction": "tx",
            "provide.transaction.metadata": "true",
        }
    ),
    "types": binlog(
        **{
            "decimal.handling.mode": "string",
            "time.precision.mode": "connect",
            "bigint.unsigned.handling.mode": "precise",
            "binary.handling.mode": "base64",
            "schema.name.adjustment.mode": "avro",
            "field.name.adjustment.mode": "avro",
        }
    ),
    "unwrap": binlog(
        **{
            "transforms": "unwrap",
            "transforms.unwrap.type": UNWRAP,
            "transforms.unwrap.delete.tombstone.handling.mode": "rewrite",
            "transforms.unwrap.add.fields": "op,table,source.ts_ms",
            "transforms.unwrap.add.headers": "db",
        }
    ),
    "outbox": binlog(
        **{
            "table.include.list": "inventory.outboxevent",
            "tombstones.on.delete": "false",
            "transforms": "outbox",
            "transforms.outbox.type": "io.debezium.transforms.outbox.EventRouter",
            "transforms.outbox.route.topic.replacement": "outbox.event.${routedByValue}",
            "transforms.outbox.table.field.event.key": "aggregateid",
            "transforms.outbox.table.expand.json.payload": "true",
            "transforms.outbox.route.by.field": "aggregatetype",
        }
    ),
    "regex-router": binlog(
        **{
            "transforms": "route",
            "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
            "transforms.route.regex": "([^.]+)\\.([^.]+)\\.([^.]+)",
            "transforms.route.replacement": "cdc.$3",
        }
    ),
    "logical-router": binlog(
        **{
            "transforms": "reroute",
            "transforms.reroute.type": "io.debezium.transforms.ByLogicalTableRouter",
            "transforms.reroute.topic.regex": "(.*)customers_shard(.*)",
            "transforms.reroute.topic.replacement": "$1customers_all_shards",
            "transforms.reroute.key.field.name": "shard_id",
        }
    ),
    "predicates": binlog(
        **{
            "transforms": "unwrap",
            "transforms.unwrap.type": UNWRAP,
            "transforms.unwrap.predicate": "isdata",
            "transforms.unwrap.negate": "false",
            "predicates": "isdata,tomb",
            "predicates.isdata.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            "predicates.isdata.pattern": "dbserver1\\.inventory\\..*",
            "predicates.tomb.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
        }
    ),
    "alias-with-dots": binlog(
        **{
            "transforms": "my.unwrap",
            "transforms.my.unwrap.type": UNWRAP,
            "transforms.my.unwrap.delete.tombstone.handling.mode": "drop",
        }
    ),
    "topic-creation": binlog(
        **{
            "topic.creation.groups": "compacted,inventory",
            "topic.creation.default.replication.factor": "3",
            "topic.creation.default.partitions": "10",
            "topic.creation.default.cleanup.policy": "delete",
            "topic.creation.compacted.include": "dbserver1\\.inventory\\.products",
            "topic.creation.compacted.cleanup.policy": "compact",
            "topic.creation.compacted.replication.factor": "3",
            "topic.creation.compacted.partitions": "1",
            "topic.creation.inventory.include": "dbserver1\\.inventory\\..*",
            "topic.creation.inventory.retention.ms": "604800000",
            "topic.creation.inventory.compression.type": "lz4",
        }
    ),
    "json-converters": binlog(
        **{
            "key.converter": JSON,
            "key.converter.schemas.enable": "false",
            "value.converter": JSON,
            "value.converter.schemas.enable": "true",
            "value.converter.decimal.format": "NUMERIC",
        }
    ),
    "avro-registry": binlog(
        **{
            "key.converter": AVRO,
            "key.converter.schema.registry.url": "http://schema-registry:8081",
            "value.converter": AVRO,
            "value.converter.schema.registry.url": "http://schema-registry:8081",
            "value.converter.basic.auth.credentials.source": "USER_INFO",
            "value.converter.basic.auth.user.info": "${file:/secrets/sr.properties:auth}",
        }
    ),
    "apicurio-registry": binlog(
        **{
            "value.converter": "io.apicurio.registry.utils.converter.AvroConverter",
            "value.converter.apicurio.registry.url": "http://apicurio:8080/apis/registry/v2",
            "value.converter.apicurio.registry.auto-register": "true",
        }
    ),
    "cloudevents": binlog(
        **{
            "value.converter": "io.debezium.converters.CloudEventsConverter",
            "value.converter.serializer.type": "json",
            "value.converter.data.serializer.type": "json",
        }
    ),
    "producer-overrides": binlog(
        **{
            "producer.override.compression.type": "lz4",
            "producer.override.linger.ms": "50",
            "producer.override.batch.size": "65536",
            "producer.override.max.request.size": "10485760",
            "producer.override.acks": "all",
        }
    ),
    "admin-overrides": binlog(
        **{
            "admin.override.request.timeout.ms": "60000",
            "admin.override.security.protocol": "SASL_SSL",
            "admin.override.sasl.jaas.config": "${file:/secrets/jaas.properties:admin}",
        }
    ),
    "errors-framework": binlog(
        **{
            "errors.tolerance": "all",
            "errors.log.enable": "true",
            "errors.log.include.messages": "true",
            "errors.retry.timeout": "60000",
            "errors.max.retries": "5",
        }
    ),
    "exactly-once": binlog(**{"exactly.once.support": "required", "transaction.boundary": "poll"}),
    "custom-converter": binlog(
        **{
            "converters": "boolean,isbn",
            "boolean.type": "io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter",
            "boolean.selector": ".*\\.active",
            "isbn.type": "com.example.IsbnConverter",
            "isbn.schema.name": "io.example.Isbn",
        }
    ),
    "post-processors": binlog(
        **{
            "post.processors": "reselector",
            "reselector.type": "io.debezium.processors.reselect.ReselectColumnsPostProcessor",
            "reselector.reselect.columns.include.list": "inventory.orders:notes",
        }
    ),
    "gtid-binlog": binlog(
        **{
            "gtid.source.includes": "uuid-1",
            "binlog.buffer.size": "1024",
            "connect.keep.alive": "true",
            "include.schema.changes": "false",
            "include.query": "true",
        }
    ),
    "notifications": binlog(
        **{
            "notification.enabled.channels": "sink,log",
            "notification.sink.topic.name": "debezium-notifications",
        }
    ),
    "es-basic": es(),
    "es-unwrap-key": es(
        **{
            "transforms": "unwrap,key",
            "transforms.unwrap.type": UNWRAP,
            "transforms.key.type": "org.apache.kafka.connect.transforms.ExtractField$Key",
            "transforms.key.field": "id",
            "key.ignore": "false",
            "schema.ignore": "true",
            "behavior.on.null.values": "delete",
        }
    ),
    "es-tuning": es(
        **{
            "batch.size": "1000",
            "max.in.flight.requests": "2",
            "max.buffered.records": "20000",
            "linger.ms": "100",
            "flush.timeout.ms": "180000",
            "flush.synchronously": "true",
            "max.retries": "10",
            "retry.backoff.ms": "500",
            "read.timeout.ms": "10000",
            "connection.timeout.ms": "5000",
            "bulk.size.bytes": "5242880",
        }
    ),
    "es-tls-auth": es(
        **{
            "connection.url": "https://es:9200",
            "connection.username": "elastic",
            "connection.password": "${env:ES_PASSWORD}",
            "elastic.security.protocol": "SSL",
            "elastic.https.ssl.truststore.location": "/certs/truststore.jks",
            "elastic.https.ssl.truststore.password": "${env:TS_PASSWORD}",
            "elastic.https.ssl.endpoint.identification.algorithm": "",
        }
    ),
    "es-data-stream": es(
        **{
            "data.stream.type": "logs",
            "data.stream.dataset": "inventory",
            "data.stream.timestamp.field": "updated_at",
            "behavior.on.null.values": "ignore",
        }
    ),
    "es-dlq-consumer": es(
        **{
            "errors.tolerance": "all",
            "errors.deadletterqueue.topic.name": "dlq-es",
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true",
            "consumer.override.max.poll.records": "500",
            "consumer.override.auto.offset.reset": "earliest",
        }
    ),
    "es-regex-topics": {
        "connector.class": ES,
        "topics.regex": "dbserver1\\.inventory\\..*",
        "connection.url": "http://es:9200",
        "write.method": "upsert",
        "drop.invalid.message": "true",
        "behavior.on.malformed.documents": "warn",
    },
    "file-sink": {
        "connector.class": FILE_SINK,
        "topics": "payments",
        "file": "/tmp/out.txt",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    },
    "file-source": {
        "connector.class": FILE_SOURCE,
        "topic": "lines",
        "file": "/tmp/in.txt",
        "batch.size": "100",
        "offsets.storage.topic": "file-offsets",
    },
    "unknown-class": {
        "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
        "topics": "a",
        "connection.url": "jdbc:postgresql://pg/db",
        "insert.mode": "upsert",
    },
    "smt-without-catalog": binlog(
        **{
            "transforms": "custom",
            "transforms.custom.type": "com.example.MyTransform",
            "transforms.custom.anything.goes": "yes",
        }
    ),
    "header-converter": binlog(
        **{
            "header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter",
            "transforms": "hdr",
            "transforms.hdr.type": "org.apache.kafka.connect.transforms.InsertHeader",
            "transforms.hdr.header": "source",
            "transforms.hdr.value.literal": "mysql",
        }
    ),
    "timestamp-router-mask": binlog(
        **{
            "transforms": "ts,mask",
            "transforms.ts.type": "org.apache.kafka.connect.transforms.TimestampRouter",
            "transforms.ts.topic.format": "${topic}-${timestamp}",
            "transforms.ts.timestamp.format": "yyyyMMdd",
            "transforms.mask.type": "org.apache.kafka.connect.transforms.MaskField$Value",
            "transforms.mask.fields": "ssn",
            "transforms.mask.replacement": "***",
        }
    ),
}


def test_valid_corpus_is_large_enough() -> None:
    assert len(VALID) >= 40


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_config_has_no_unknown_key_finding(name: str) -> None:
    assert findings(VALID[name]) == []


def test_bundled_connectors_d_has_no_unknown_key_finding() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kconnect", "validate", "--strict", "connectors.d/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 error(s), 0 warning(s)" in done.stdout


TYPOS: list[tuple[dict[str, str], str, str]] = [
    (binlog(**{"database.hostnmae": "mysql"}), "database.hostnmae", "database.hostname"),
    (binlog(**{"database.hostname.": "mysql"}), "database.hostname.", "database.hostname"),
    (binlog(**{"Database.User": "x"}), "Database.User", "database.user"),
    (binlog(**{"database_port": "3306"}), "database_port", "database.port"),
    (binlog(**{"table.include.lst": "a.b"}), "table.include.lst", "table.include.list"),
    (binlog(**{"snapshot.mod": "initial"}), "snapshot.mod", "snapshot.mode"),
    (binlog(**{"tombstone.on.delete": "true"}), "tombstone.on.delete", "tombstones.on.delete"),
    (binlog(**{"topic.prefx": "x"}), "topic.prefx", "topic.prefix"),
    (
        binlog(**{"schema.history.internal.kafka.topc": "h"}),
        "schema.history.internal.kafka.topc",
        "schema.history.internal.kafka.topic",
    ),
    (binlog(**{"tasks.mx": "1"}), "tasks.mx", "tasks.max"),
    (binlog(**{"errors.tolerence": "all"}), "errors.tolerence", "errors.tolerance"),
    (
        binlog(
            **{
                "transforms": "unwrap",
                "transforms.unwrap.type": UNWRAP,
                "transforms.unwrap.delete.handling.mod": "rewrite",
            }
        ),
        "transforms.unwrap.delete.handling.mod",
        "transforms.unwrap.delete.tombstone.handling.mode",
    ),
    (
        binlog(
            **{
                "transforms": "unwrap",
                "transforms.unwrap.type": UNWRAP,
                "transforms.unwrap.add.field": "op",
            }
        ),
        "transforms.unwrap.add.field",
        "transforms.unwrap.add.fields",
    ),
    (
        binlog(
            **{
                "transforms": "r",
                "transforms.r.type": "org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.r.regex": "x",
                "transforms.r.replacment": "y",
            }
        ),
        "transforms.r.replacment",
        "transforms.r.replacement",
    ),
    (
        binlog(**{"transforms": "r", "transforms.r.typ": "x"}),
        "transforms.r.typ",
        "transforms.r.type",
    ),
    (
        binlog(
            **{
                "predicates": "p",
                "predicates.p.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                "predicates.p.patern": "x",
            }
        ),
        "predicates.p.patern",
        "predicates.p.pattern",
    ),
    (
        binlog(**{"key.converter": JSON, "key.converter.schemas.enabel": "false"}),
        "key.converter.schemas.enabel",
        "key.converter.schemas.enable",
    ),
    (
        binlog(**{"producer.override.compresion.type": "lz4"}),
        "producer.override.compresion.type",
        "producer.override.compression.type",
    ),
    (
        es(**{"consumer.override.max.pol.records": "5"}),
        "consumer.override.max.pol.records",
        "consumer.override.max.poll.records",
    ),
    (
        es(**{"behavior.on.null.value": "delete"}),
        "behavior.on.null.value",
        "behavior.on.null.values",
    ),
    (es(**{"key.ignor": "true"}), "key.ignor", "key.ignore"),
    (es(**{"connection.usernmae": "u"}), "connection.usernmae", "connection.username"),
    (es(**{"topics.regx": "a"}), "topics.regx", "topics.regex"),
]


@pytest.mark.parametrize(("config", "key", "suggestion"), TYPOS, ids=[t[1] for t in TYPOS])
def test_typo_is_an_error_with_the_fix(config: dict[str, str], key: str, suggestion: str) -> None:
    problems = check_unknown_keys(mk(config), CatalogSet())
    typos = [p for p in problems if p.rule == "key/typo"]
    assert [p.message for p in typos] == [f"{key}: unknown key; did you mean {suggestion}?"]
    assert typos[0].severity is Severity.ERROR
    assert typos[0].location == Location("m.yaml", list(config).index(key) + 3)


RENAMED = [
    ("database.server.name", "topic.prefix"),
    ("table.whitelist", "table.include.list"),
    ("table.blacklist", "table.exclude.list"),
    ("database.whitelist", "database.include.list"),
    ("column.blacklist", "column.exclude.list"),
    ("database.history.kafka.topic", "schema.history.internal.kafka.topic"),
    ("database.history.kafka.bootstrap.servers", "schema.history.internal.kafka.bootstrap.servers"),
    (
        "database.history.producer.security.protocol",
        "schema.history.internal.producer.security.protocol",
    ),
]


@pytest.mark.parametrize(("old", "new"), RENAMED)
def test_renamed_key_names_its_replacement(old: str, new: str) -> None:
    assert findings(binlog(**{old: "x"})) == [
        ("key/renamed", f"{old}: no longer read; use {new} instead")
    ]


def test_removed_es_key() -> None:
    assert findings(es(**{"type.name": "_doc"})) == [
        (
            "key/renamed",
            "type.name: no longer read: removed in kafka-connect-elasticsearch 11.0.0 "
            "(Elasticsearch 7 has no mapping types)",
        )
    ]


def test_other_unknown_keys_are_warnings() -> None:
    problems = check_unknown_keys(
        mk(
            binlog(
                **{
                    "completely.made.up": "1",
                    "transforms": "u",
                    "transforms.u.type": UNWRAP,
                    "transforms.u.frobnicate": "x",
                    "transforms.ghost.type": UNWRAP,
                    "producer.override.not.a.client.key": "1",
                    "topic.creation.missing.partitions": "3",
                }
            )
        ),
        CatalogSet(),
    )
    assert {(p.rule, p.severity) for p in problems} == {("key/unknown", Severity.WARNING)}
    assert [p.message for p in problems] == [
        "completely.made.up: unknown key; io.debezium.connector.mysql.MySqlConnector "
        "3.5.0.Final does not define it, so Connect ignores it",
        "producer.override.not.a.client.key: 'not.a.client.key' is not a Kafka producer "
        "config; the client ignores it",
        "topic.creation.missing.partitions: names a topic creation group that "
        "topic.creation.groups does not list (default); Connect ignores it",
        "transforms.ghost.type: not an option of any alias listed in transforms (u); "
        "Connect ignores it",
        "transforms.u.frobnicate: unknown key; io.debezium.transforms.ExtractNewRecordState "
        "3.5.0.Final has no option 'frobnicate'",
    ]


def test_connector_class_alias_uses_the_catalog() -> None:
    assert findings({"connector.class": "MySqlConnector", "database.hostnmae": "h"}) == [
        ("key/typo", "database.hostnmae: unknown key; did you mean database.hostname?")
    ]
    assert findings({"connector.class": "FileStreamSink", "topics": "a", "fiel": "x"}) == [
        ("key/typo", "fiel: unknown key; did you mean file?")
    ]


def test_transform_listed_without_type() -> None:
    assert findings(binlog(**{"transforms": "unwrap, route", "transforms.route.type": UNWRAP})) == [
        (
            "key/transform-type-missing",
            "transforms lists 'unwrap' but transforms.unwrap.type is not set: Connect rejects "
            "the config",
        )
    ]


def test_removed_unwrap_options_are_left_to_lint() -> None:
    # smt-removed-option (pipeline lint) reports them; no second finding here.
    assert (
        findings(
            binlog(
                **{
                    "transforms": "u",
                    "transforms.u.type": UNWRAP,
                    "transforms.u.drop.tombstones": "false",
                }
            )
        )
        == []
    )


def test_distance_counts_a_swap_once() -> None:
    assert distance("hostnmae", "hostname", 2) == 1
    assert distance("abc", "abc", 2) == 0
    assert distance("abcdef", "uvwxyz", 2) == 3


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kconnect", "validate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_reports_typo_at_file_line_and_strict_fails_on_warnings(tmp_path: Path) -> None:
    (tmp_path / "src.yaml").write_text(
        "name: src\n"
        "config:\n"
        f"  connector.class: {MYSQL}\n"
        "  database.hostnmae: mysql\n"
        "  made.up.key: 1\n",
        encoding="utf-8",
    )
    done = cli("src.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert (
        "src.yaml:4: error: database.hostnmae: unknown key; did you mean database.hostname? "
        "[key/typo]"
    ) in done.stdout
    assert "src.yaml:5: warning: made.up.key: unknown key" in done.stdout
    (tmp_path / "src.yaml").write_text(
        f"name: src\nconfig:\n  connector.class: {MYSQL}\n  topic.prefix: a\n"
        "  database.hostname: h\n  database.user: u\n  database.server.id: 1\n"
        "  schema.history.internal.kafka.topic: h\n"
        "  schema.history.internal.kafka.bootstrap.servers: k:9092\n"
        "  made.up.key: 1\n",
        encoding="utf-8",
    )
    assert cli("src.yaml", cwd=tmp_path).returncode == 0
    strict = cli("--strict", "src.yaml", cwd=tmp_path)
    assert strict.returncode == 1
    assert "src.yaml:10: error: made.up.key: unknown key" in strict.stdout


def test_schema_command_prints_a_catalog_schema_for_a_transform() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kconnect",
            "schema",
            "org.apache.kafka.connect.transforms.RegexRouter",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    import json

    schema = json.loads(done.stdout)
    assert sorted(schema["properties"]) == ["regex", "replacement"]
    assert schema["properties"]["regex"]["description"] == "Regular expression to use for matching."
