"""A corpus of realistic config mistakes, each run through `kconnect validate` offline and the
worker's `PUT /connector-plugins/{class}/config/validate` (tests/integration/test_oracle_real.py).

Each entry: (id, base, changes, worker). `base` names a valid config below; `changes` sets keys
(a value of None removes the key); `worker` is what the real worker does with it, recorded from
runs against the real worker and asserted on every run:

- "rejects": `PUT .../config/validate` reports an error (or cannot even build the config:
  HTTP 500 for a client override of the wrong type);
- "task-fails": validate accepts it, but the connector or a task is FAILED once created (a
  client value, a topic creation group, an undeclared predicate, the schema history);
- "accepts": Connect ignores it and runs (a typo, a removed option): the user's intent is lost.

Every mistake here must be rejected offline.
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.conftest import ES, FILE_SINK, FILE_SOURCE, MARIADB, MYSQL

T = "org.apache.kafka.connect.transforms."
P = "org.apache.kafka.connect.transforms.predicates."
JSON = "org.apache.kafka.connect.json.JsonConverter"


def bases(
    db_host: str, db_port: int, bootstrap: str, es_url: str | None = None
) -> dict[str, dict[str, str]]:
    """Valid configs the mistakes start from (the worker and kconnect accept each as is)."""
    binlog = {
        "tasks.max": "1",
        "database.hostname": db_host,
        "database.port": str(db_port),
        "database.user": "debezium",
        "database.password": "dbz",
        "database.server.id": "5401",
        "topic.prefix": "oracle",
        "schema.history.internal.kafka.bootstrap.servers": bootstrap,
        "schema.history.internal.kafka.topic": "oracle-history",
    }
    es = {"es": {"connector.class": ES, "topics": "oracle-in", "connection.url": es_url}}
    return {
        **(es if es_url else {}),
        "sink": {"connector.class": FILE_SINK, "topics": "oracle-in", "file": "/tmp/oracle.out"},
        "source": {
            "connector.class": FILE_SOURCE,
            "topic": "oracle-out",
            "file": "/tmp/oracle.in",
        },
        "mysql": {"connector.class": MYSQL, **binlog},
        "mariadb": {"connector.class": MARIADB, **binlog},
    }


R, F, A = "rejects", "task-fails", "accepts"

Change = Mapping[str, "str | None"]
CORPUS: list[tuple[str, str, Change, str]] = [
    # Framework keys, any class.
    ("tasks.max not a number", "sink", {"tasks.max": "abc"}, R),
    ("tasks.max zero", "sink", {"tasks.max": "0"}, R),
    ("tasks.max negative", "source", {"tasks.max": "-1"}, R),
    ("tasks.max over INT", "sink", {"tasks.max": "2147483648"}, R),
    ("tasks.max empty", "sink", {"tasks.max": ""}, R),
    ("errors.tolerance upper case", "sink", {"errors.tolerance": "ALL"}, R),
    ("errors.tolerance unknown", "sink", {"errors.tolerance": "some"}, R),
    ("errors.log.enable yes", "sink", {"errors.log.enable": "yes"}, R),
    ("errors.log.include.messages 1", "sink", {"errors.log.include.messages": "1"}, R),
    ("errors.retry.timeout decimal", "sink", {"errors.retry.timeout": "1.5"}, R),
    ("errors.retry.delay.max.ms words", "source", {"errors.retry.delay.max.ms": "soon"}, R),
    (
        "dlq replication factor over SHORT",
        "sink",
        {"errors.deadletterqueue.topic.replication.factor": "40000"},
        R,
    ),
    (
        "dlq context headers maybe",
        "sink",
        {"errors.deadletterqueue.context.headers.enable": "maybe"},
        R,
    ),
    ("tasks.max.enforce no", "sink", {"tasks.max.enforce": "no"}, R),
    ("sink both topics and topics.regex", "sink", {"topics.regex": "oracle-.*"}, R),
    ("sink neither topics nor regex", "sink", {"topics": None}, R),
    ("topics.regex invalid", "sink", {"topics": None, "topics.regex": "oracle-(in"}, R),
    (
        "key.converter class typo",
        "sink",
        {"key.converter": "org.apache.kafka.connect.json.JsonConvertor"},
        R,
    ),
    (
        "value.converter wrong case",
        "sink",
        {"value.converter": "org.apache.kafka.connect.storage.Stringconverter"},
        R,
    ),
    (
        "header.converter typo",
        "sink",
        {"header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConvertor"},
        R,
    ),
    (
        "connector.class wrong case",
        "mysql",
        {"connector.class": "io.debezium.connector.mysql.MySQLConnector"},
        R,
    ),
    ("connector.class alias typo", "sink", {"connector.class": "FileStreamSnk"}, R),
    (
        "alias class with bad tasks.max",
        "sink",
        {"connector.class": "FileStreamSink", "tasks.max": "x"},
        R,
    ),
    (
        "short alias with bad snapshot.mode",
        "mysql",
        {"connector.class": "MySql", "snapshot.mode": "sometimes"},
        R,
    ),
    # Transforms and predicates: structure.
    ("transform without type", "sink", {"transforms": "a"}, R),
    (
        "duplicate transform alias",
        "sink",
        {"transforms": "a,a", "transforms.a.type": T + "Filter"},
        R,
    ),
    ("transform class typo", "sink", {"transforms": "a", "transforms.a.type": T + "RegexRoutr"}, R),
    (
        "predicate without type",
        "sink",
        {
            "transforms": "f",
            "transforms.f.type": T + "Filter",
            "transforms.f.predicate": "p",
            "predicates": "p",
        },
        R,
    ),
    (
        "predicate not declared",
        "sink",
        {"transforms": "f", "transforms.f.type": T + "Filter", "transforms.f.predicate": "p"},
        F,
    ),
    (
        "predicate class typo",
        "sink",
        {
            "transforms": "f",
            "transforms.f.type": T + "Filter",
            "transforms.f.predicate": "p",
            "predicates": "p",
            "predicates.p.type": P + "RecordIsTombstne",
        },
        R,
    ),
    (
        "duplicate predicate alias",
        "sink",
        {"predicates": "p,p", "predicates.p.type": P + "RecordIsTombstone"},
        R,
    ),
    (
        "negate not boolean",
        "sink",
        {
            "transforms": "f",
            "transforms.f.type": T + "Filter",
            "transforms.f.predicate": "p",
            "transforms.f.negate": "yes",
            "predicates": "p",
            "predicates.p.type": P + "RecordIsTombstone",
        },
        R,
    ),
    # Transform values.
    (
        "TimestampConverter target.type lower case",
        "sink",
        {
            "transforms": "t",
            "transforms.t.type": T + "TimestampConverter$Value",
            "transforms.t.target.type": "timestamp",
        },
        R,
    ),
    (
        "TimestampConverter target.type missing",
        "sink",
        {"transforms": "t", "transforms.t.type": T + "TimestampConverter$Value"},
        R,
    ),
    (
        "TimestampConverter unix.precision",
        "sink",
        {
            "transforms": "t",
            "transforms.t.type": T + "TimestampConverter$Value",
            "transforms.t.target.type": "unix",
            "transforms.t.unix.precision": "secs",
        },
        R,
    ),
    (
        "RegexRouter regex missing",
        "sink",
        {
            "transforms": "r",
            "transforms.r.type": T + "RegexRouter",
            "transforms.r.replacement": "x",
        },
        R,
    ),
    (
        "RegexRouter regex invalid",
        "sink",
        {
            "transforms": "r",
            "transforms.r.type": T + "RegexRouter",
            "transforms.r.regex": "a(b",
            "transforms.r.replacement": "x",
        },
        R,
    ),
    ("Cast spec missing", "sink", {"transforms": "c", "transforms.c.type": T + "Cast$Value"}, R),
    (
        "ExtractField field missing",
        "sink",
        {"transforms": "e", "transforms.e.type": T + "ExtractField$Key"},
        R,
    ),
    (
        "InsertHeader header missing",
        "sink",
        {
            "transforms": "h",
            "transforms.h.type": T + "InsertHeader",
            "transforms.h.value.literal": "v",
        },
        R,
    ),
    (
        "HoistField field missing",
        "sink",
        {"transforms": "h", "transforms.h.type": T + "HoistField$Value"},
        R,
    ),
    (
        "ValueToKey fields missing",
        "sink",
        {"transforms": "k", "transforms.k.type": T + "ValueToKey"},
        R,
    ),
    (
        "HeaderFrom operation case",
        "sink",
        {
            "transforms": "h",
            "transforms.h.type": T + "HeaderFrom$Value",
            "transforms.h.fields": "a",
            "transforms.h.headers": "b",
            "transforms.h.operation": "Move",
        },
        R,
    ),
    (
        "SetSchemaMetadata version words",
        "sink",
        {
            "transforms": "s",
            "transforms.s.type": T + "SetSchemaMetadata$Value",
            "transforms.s.schema.version": "two",
        },
        R,
    ),
    (
        "ReplaceField replace.null.with.default maybe",
        "sink",
        {
            "transforms": "r",
            "transforms.r.type": T + "ReplaceField$Value",
            "transforms.r.replace.null.with.default": "maybe",
        },
        R,
    ),
    (
        "DropHeaders headers missing",
        "sink",
        {"transforms": "d", "transforms.d.type": T + "DropHeaders"},
        R,
    ),
    (
        "MaskField fields missing",
        "sink",
        {"transforms": "m", "transforms.m.type": T + "MaskField$Value"},
        R,
    ),
    (
        "TopicNameMatches pattern missing",
        "sink",
        {"predicates": "p", "predicates.p.type": P + "TopicNameMatches"},
        R,
    ),
    (
        "TopicNameMatches pattern invalid",
        "sink",
        {
            "predicates": "p",
            "predicates.p.type": P + "TopicNameMatches",
            "predicates.p.pattern": "a[b",
        },
        R,
    ),
    (
        "HasHeaderKey name missing",
        "sink",
        {"predicates": "p", "predicates.p.type": P + "HasHeaderKey"},
        R,
    ),
    (
        "TimestampRouter option typo",
        "sink",
        {
            "transforms": "r",
            "transforms.r.type": T + "TimestampRouter",
            "transforms.r.topic.formt": "x",
        },
        A,
    ),
    (
        "ReplaceField blacklist removed in Kafka 4",
        "sink",
        {
            "transforms": "r",
            "transforms.r.type": T + "ReplaceField$Value",
            "transforms.r.blacklist": "a",
        },
        A,
    ),
    (
        "InsertField option typo",
        "sink",
        {
            "transforms": "i",
            "transforms.i.type": T + "InsertField$Value",
            "transforms.i.static.feild": "x",
        },
        F,
    ),
    (
        "ExtractNewRecordState drop.tombstones",
        "mysql",
        {
            "transforms": "u",
            "transforms.u.type": "io.debezium.transforms.ExtractNewRecordState",
            "transforms.u.drop.tombstones": "false",
        },
        A,
    ),
    (
        "ExtractNewRecordState delete.handling.mode",
        "mysql",
        {
            "transforms": "u",
            "transforms.u.type": "io.debezium.transforms.ExtractNewRecordState",
            "transforms.u.delete.handling.mode": "rewrite",
        },
        A,
    ),
    # Converters.
    (
        "JsonConverter schemas.enable maybe",
        "sink",
        {"value.converter": JSON, "value.converter.schemas.enable": "maybe"},
        R,
    ),
    (
        "JsonConverter schemas.cache.size words",
        "sink",
        {"value.converter": JSON, "value.converter.schemas.cache.size": "big"},
        R,
    ),
    (
        "JsonConverter decimal.format unknown",
        "sink",
        {"value.converter": JSON, "value.converter.decimal.format": "STRING"},
        R,
    ),
    (
        "JsonConverter replace.null.with.default maybe",
        "sink",
        {"key.converter": JSON, "key.converter.replace.null.with.default": "maybe"},
        R,
    ),
    (
        "JsonConverter option typo",
        "sink",
        {"value.converter": JSON, "value.converter.schemas.enabled": "false"},
        A,
    ),
    # Client overrides (the worker accepts them at validate; the client rejects them at start).
    (
        "consumer auto.offset.reset beginning",
        "sink",
        {"consumer.override.auto.offset.reset": "beginning"},
        F,
    ),
    ("consumer max.poll.records words", "sink", {"consumer.override.max.poll.records": "many"}, R),
    ("consumer enable.auto.commit yes", "sink", {"consumer.override.enable.auto.commit": "yes"}, R),
    (
        "consumer isolation.level upper case",
        "sink",
        {"consumer.override.isolation.level": "READ_COMMITTED"},
        F,
    ),
    ("consumer override typo", "sink", {"consumer.override.max.poll.recrods": "10"}, A),
    ("producer acks two", "source", {"producer.override.acks": "two"}, F),
    ("producer compression.type zip", "source", {"producer.override.compression.type": "zip"}, F),
    ("producer linger.ms words", "source", {"producer.override.linger.ms": "soon"}, R),
    # FileStream own keys.
    ("FileStreamSource batch.size words", "source", {"batch.size": "lots"}, R),
    ("FileStreamSource topic missing", "source", {"topic": None}, R),
    ("FileStreamSource topic empty", "source", {"topic": ""}, R),
    ("FileStreamSink file typo", "sink", {"file": None, "fiel": "/tmp/x"}, A),
    # Topic creation groups (source).
    (
        "topic creation partitions zero",
        "source",
        {
            "topic.creation.default.replication.factor": "1",
            "topic.creation.default.partitions": "0",
        },
        F,
    ),
    (
        "topic creation replication factor zero",
        "source",
        {
            "topic.creation.default.replication.factor": "0",
            "topic.creation.default.partitions": "1",
        },
        F,
    ),
    (
        "topic creation partitions missing",
        "source",
        {"topic.creation.default.replication.factor": "1"},
        F,
    ),
    (
        "topic creation replication factor missing",
        "source",
        {"topic.creation.default.partitions": "1"},
        F,
    ),
    (
        "topic creation group partitions negative",
        "source",
        {
            "topic.creation.groups": "g",
            "topic.creation.g.include": "x",
            "topic.creation.default.replication.factor": "1",
            "topic.creation.default.partitions": "1",
            "topic.creation.g.partitions": "-5",
        },
        F,
    ),
    (
        "topic creation partitions words",
        "source",
        {
            "topic.creation.default.replication.factor": "1",
            "topic.creation.default.partitions": "two",
        },
        F,
    ),
    (
        "topic creation replication.factor typo",
        "source",
        {"topic.creation.default.replication.factr": "1", "topic.creation.default.partitions": "1"},
        F,
    ),
    # Exactly once (source).
    ("exactly.once.support unknown", "source", {"exactly.once.support": "sometimes"}, R),
    ("transaction.boundary unknown", "source", {"transaction.boundary": "per-batch"}, R),
    # Debezium MySQL: values.
    ("server id zero", "mysql", {"database.server.id": "0"}, R),
    ("server id words", "mysql", {"database.server.id": "abc"}, R),
    ("server id missing", "mysql", {"database.server.id": None}, R),
    ("port words", "mysql", {"database.port": "mysql"}, R),
    ("max.batch.size zero", "mysql", {"max.batch.size": "0"}, R),
    ("max.queue.size below batch", "mysql", {"max.queue.size": "100"}, R),
    ("max.queue.size equal batch", "mysql", {"max.batch.size": "500", "max.queue.size": "500"}, R),
    ("snapshot.mode unknown", "mysql", {"snapshot.mode": "sometimes"}, R),
    ("snapshot.locking.mode unknown", "mysql", {"snapshot.locking.mode": "nolock"}, R),
    ("decimal.handling.mode float", "mysql", {"decimal.handling.mode": "float"}, R),
    ("time.precision.mode adaptive on binlog", "mysql", {"time.precision.mode": "adaptive"}, R),
    ("time.precision.mode unknown", "mysql", {"time.precision.mode": "microsecond"}, R),
    ("bigint.unsigned.handling.mode int", "mysql", {"bigint.unsigned.handling.mode": "int"}, R),
    ("topic.prefix with space", "mysql", {"topic.prefix": "my prefix"}, R),
    ("topic.prefix missing", "mysql", {"topic.prefix": None}, R),
    ("hostname missing", "mysql", {"database.hostname": None}, R),
    ("user missing", "mysql", {"database.user": None}, R),
    ("include.schema.changes yes", "mysql", {"include.schema.changes": "yes"}, R),
    ("table.include.list bad regex", "mysql", {"table.include.list": "inventory.(orders"}, R),
    ("database.include.list bad regex", "mysql", {"database.include.list": "inv[entory"}, R),
    ("poll.interval.ms zero", "mysql", {"poll.interval.ms": "0"}, R),
    ("snapshot.fetch.size negative", "mysql", {"snapshot.fetch.size": "-5"}, R),
    ("ssl.mode unknown", "mysql", {"database.ssl.mode": "require"}, R),
    (
        "event.processing.failure.handling.mode stop",
        "mysql",
        {"event.processing.failure.handling.mode": "stop"},
        R,
    ),
    ("snapshot.max.threads zero", "mysql", {"snapshot.max.threads": "0"}, R),
    ("tombstones.on.delete 1", "mysql", {"tombstones.on.delete": "1"}, R),
    ("server.id.offset words", "mysql", {"database.server.id.offset": "big"}, R),
    ("heartbeat.interval.ms words", "mysql", {"heartbeat.interval.ms": "often"}, R),
    ("connect.timeout.ms zero", "mysql", {"connect.timeout.ms": "0"}, R),
    ("converters entry without type", "mysql", {"converters": "bool", "bool.selector": ".*"}, F),
    ("renamed database.history.kafka.topic", "mysql", {"database.history.kafka.topic": "h"}, A),
    ("renamed table.whitelist", "mysql", {"table.whitelist": "inventory.orders"}, A),
    ("key typo snapshot.mod", "mysql", {"snapshot.mod": "never"}, A),
    ("history producer acks two", "mysql", {"schema.history.internal.producer.acks": "two"}, F),
    (
        "history consumer offset reset",
        "mysql",
        {"schema.history.internal.consumer.auto.offset.reset": "beginning"},
        F,
    ),
    ("history topic missing", "mysql", {"schema.history.internal.kafka.topic": None}, F),
    (
        "history bootstrap servers missing",
        "mysql",
        {"schema.history.internal.kafka.bootstrap.servers": None},
        F,
    ),
    ("snapshot.mode removed schema_only", "mysql", {"snapshot.mode": "schema_only"}, R),
    ("skipped.operations unknown code", "mysql", {"skipped.operations": "c,x"}, R),
    ("skipped.operations NONE in upper case", "mysql", {"skipped.operations": "NONE"}, R),
    (
        "table include and exclude lists",
        "mysql",
        {"table.include.list": "mydb.a", "table.exclude.list": "mydb.b"},
        R,
    ),
    (
        "database include and exclude lists",
        "mysql",
        {"database.include.list": "mydb", "database.exclude.list": "other"},
        R,
    ),
    ("binary.handling.mode unknown", "mysql", {"binary.handling.mode": "raw"}, A),
    ("tasks.max 2 on a binlog connector", "mysql", {"tasks.max": "2"}, A),
    # MariaDB.
    ("mariadb server id zero", "mariadb", {"database.server.id": "0"}, R),
    ("mariadb snapshot.mode unknown", "mariadb", {"snapshot.mode": "sometimes"}, R),
    ("mariadb max.batch.size negative", "mariadb", {"max.batch.size": "-1"}, R),
    ("mariadb errors.tolerance upper", "mariadb", {"errors.tolerance": "ALL"}, R),
]


# The Elasticsearch sink (needs the stack with Elasticsearch: its Validator connects to it).
ES_CORPUS: list[tuple[str, str, Change, str]] = [
    ("es behavior.on.null.values unknown", "es", {"behavior.on.null.values": "deletes"}, R),
    ("es write.method unknown", "es", {"write.method": "upserts"}, R),
    (
        "es behavior.on.malformed.documents unknown",
        "es",
        {"behavior.on.malformed.documents": "crash"},
        R,
    ),
    ("es external.resource.usage unknown", "es", {"external.resource.usage": "indices"}, R),
    ("es batch.size zero", "es", {"batch.size": "0"}, R),
    ("es batch.size over max", "es", {"batch.size": "2000000"}, R),
    ("es flush.timeout.ms below 1000", "es", {"flush.timeout.ms": "500"}, R),
    ("es max.in.flight.requests zero", "es", {"max.in.flight.requests": "0"}, R),
    ("es proxy.port over 65535", "es", {"proxy.host": "proxy", "proxy.port": "70000"}, R),
    ("es key.ignore maybe", "es", {"key.ignore": "maybe"}, R),
    ("es linger.ms above flush.timeout.ms", "es", {"linger.ms": "200000"}, R),
    ("es max.buffered.records below batch x in flight", "es", {"max.buffered.records": "10"}, R),
    ("es proxy.username without proxy.host", "es", {"proxy.username": "u"}, R),
    (
        "es proxy.username without proxy.password",
        "es",
        {"proxy.host": "proxy", "proxy.username": "u"},
        R,
    ),
    (
        "es ssl config without SSL protocol",
        "es",
        {"elastic.https.ssl.truststore.location": "/tmp/t.jks"},
        R,
    ),
    ("es SSL protocol without ssl configs", "es", {"elastic.security.protocol": "SSL"}, R),
    ("es username without password", "es", {"connection.username": "elastic"}, R),
    ("es kerberos principal without keytab", "es", {"kerberos.user.principal": "me@EXAMPLE"}, R),
    ("es data stream without dataset", "es", {"data.stream.type": "logs"}, R),
    (
        "es data stream dataset with space",
        "es",
        {"data.stream.type": "logs", "data.stream.dataset": "my data"},
        R,
    ),
    (
        "es data stream dataset upper case",
        "es",
        {"data.stream.type": "logs", "data.stream.dataset": "MyData"},
        R,
    ),
    (
        "es data stream with upsert",
        "es",
        {"data.stream.type": "logs", "data.stream.dataset": "d", "write.method": "upsert"},
        R,
    ),
    (
        "es key.ignore with topic.key.ignore",
        "es",
        {"key.ignore": "true", "topic.key.ignore": "oracle-in"},
        R,
    ),
    ("es removed type.name", "es", {"type.name": "_doc"}, A),
    ("es option typo", "es", {"behavior.on.null.value": "delete"}, A),
]


def config_of(base: Mapping[str, str], changes: Change) -> dict[str, str]:
    config = dict(base)
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    return config
