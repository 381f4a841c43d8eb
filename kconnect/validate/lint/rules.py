"""The rules table: every lint and schema rule with its stable id, severity and fix.

The table in docs/validation.md comes from `rules_markdown()` (tests/test_docs.py keeps them in
sync)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from kconnect.diagnostics import Severity


class Rule(NamedTuple):
    """One entry of the catalog: a stable id, its severity and a one-line fix."""

    id: str
    severity: Severity
    summary: str
    hint: str
    # What the real pipeline did with the rule's bad configuration (Kafka 4.3.1 worker,
    # Debezium MariaDB 3.5.0.Final, Confluent ES sink 15.1.0, Elasticsearch 8.7.1), proven by
    # tests/integration/test_es_rules_real.py; empty for rules not run end to end.
    observed: str = ""


_E, _W = Severity.ERROR, Severity.WARNING
_CATALOG: tuple[Rule, ...] = (
    # Per-connector schema checks (kconnect.validate.keys.check_config), listed in the docs.
    Rule("schema/required", _E, "A key the connector requires is missing.", "Add the key."),
    Rule(
        "schema/type",
        _E,
        "A value is not of the key's type (integer, boolean).",
        "Write the value as the type says, e.g. `true`/`false` or digits.",
    ),
    Rule(
        "schema/enum",
        _E,
        "A value is not one of the allowed values (or was removed).",
        "Use one of the values listed in the message.",
    ),
    Rule(
        "schema/range",
        _E,
        "An integer is out of range; includes `tasks.max` > 1 on a Debezium binlog source.",
        "Use a value inside the range given in the message.",
    ),
    Rule(
        "schema/pattern",
        _E,
        "A value does not have the required form.",
        "See the message for the allowed form.",
    ),
    # Unknown keys (kconnect.validate.unknown_keys), against the plugin catalogs.
    Rule(
        "key/typo",
        _E,
        "A key no catalog defines is a near miss (small edit or case) of one that exists: "
        "Connect would ignore it and run with the default.",
        "Use the key named in the message (`did you mean …?`).",
    ),
    Rule(
        "key/renamed",
        _E,
        "A key renamed or removed upstream is no longer read.",
        "Use the replacement named in the message.",
    ),
    Rule(
        "key/unknown",
        _W,
        "No catalog explains the key (plugin, framework, transform, converter, client "
        "override, pass-through family); Connect ignores keys it does not know. "
        "`validate --strict` makes this an error.",
        "Remove the key, fix its name, or snapshot the plugin's catalog "
        "(`kconnect plugins snapshot`) if it is newer than kconnect's.",
    ),
    Rule(
        "catalog/version-drift",
        _W,
        "With `--online`: a plugin catalog in `.kconnect/plugins/` (or `--catalog`) was taken "
        "from another plugin version than the worker runs.",
        "Refresh the snapshot with `kconnect plugins snapshot` and commit it.",
    ),
    Rule(
        "key/transform-type-missing",
        _E,
        "`transforms` lists an alias without `transforms.<alias>.type`: Connect rejects "
        "the config.",
        "Set `transforms.<alias>.type`, or drop the alias from `transforms`.",
    ),
    Rule("schema/invalid", _E, "Any other schema violation.", "See the message."),
    Rule(
        "structure/predicate-undeclared",
        _E,
        "A transform's `predicate` names an alias `predicates` does not declare.",
        "Declare the predicate in `predicates` with its `predicates.<alias>.type`.",
    ),
    Rule(
        "structure/predicate-type-missing",
        _E,
        "`predicates` lists an alias without `predicates.<alias>.type`.",
        "Set `predicates.<alias>.type`, or drop the alias.",
    ),
    Rule(
        "structure/negate-without-predicate",
        _E,
        "A transform sets `negate` without a `predicate`.",
        "Set `transforms.<alias>.predicate`, or drop `negate`.",
    ),
    Rule(
        "structure/duplicate-alias",
        _E,
        "`transforms` or `predicates` lists the same alias twice.",
        "List each alias once.",
    ),
    Rule(
        "structure/converter-type-missing",
        _E,
        "A Debezium `converters` entry has no `<name>.type`.",
        "Set `<name>.type` to the converter class, or drop the entry.",
    ),
    Rule(
        "debezium/invalid",
        _E,
        "A Debezium validator that reads more than one key, or rejects an allowed value, fails "
        "(max.queue.size not above max.batch.size; time.precision.mode adaptive on a binlog "
        "connector).",
        "Follow the message; it names the Debezium method that rejects the config.",
    ),
    Rule(
        "class/typo",
        _E,
        "A connector, converter, transform or predicate class kconnect has no catalog for is a "
        "near miss (case or a small edit) of one it knows: Connect fails to find the class.",
        "Use the class named in the message (`did you mean …?`).",
    ),
    # Topics.
    Rule(
        "sink-topics-config",
        _E,
        "A sink sets both or neither of `topics` and `topics.regex`.",
        "Set exactly one of `topics` (a list) or `topics.regex`.",
    ),
    Rule(
        "topics-unmatched",
        _E,
        "A sink subscribes to a topic inside a declared Debezium source's namespace "
        "(`<topic.prefix>.…`) that the source cannot produce (topics outside every source's "
        "namespace may come from outside Connect and are not reported).",
        "Debezium writes `<topic.prefix>.<database>.<table>` (after source RegexRouter SMTs); "
        "subscribe to those names.",
    ),
    Rule(
        "topics-unproduced",
        _W,
        "A sink subscribes to a topic outside every declared source's namespace that no declared "
        "source produces, but that names a source's prefix, database or table (a wrong "
        "`topic.prefix`?). Fine when something outside Connect writes it.",
        "Subscribe to `<topic.prefix>.<database>.<table>` if the topic is meant to come from the "
        "declared source.",
    ),
    Rule(
        "topics-regex-overmatch",
        _W,
        "A sink's `topics.regex` also matches a source's schema-change, heartbeat or "
        "transaction topic.",
        "Narrow the regex to `<prefix>\\.<db>\\..*`, or set `include.schema.changes=false`.",
    ),
    # Record shape into Elasticsearch.
    Rule(
        "envelope-not-unwrapped",
        _W,
        "Debezium change events reach Elasticsearch as the raw envelope "
        "(`before`/`after`/`source`/`op`).",
        "Add an `io.debezium.transforms.ExtractNewRecordState` transform to the source or "
        "(with schemas) the sink.",
    ),
    Rule(
        "es-struct-key",
        _E,
        "The Elasticsearch document id would be a Struct key: the sink fails with "
        "`STRUCT is not supported as the document id`.",
        "Add `org.apache.kafka.connect.transforms.ExtractField$Key` with `field: <pk column>` "
        "to the sink (key.ignore=true instead loses deletes).",
    ),
    Rule(
        "es-composite-key",
        _W,
        "`ExtractField$Key` keeps one column of a composite message key: distinct rows share "
        "a document id.",
        "Key on a single unique column (`message.key.columns`), or build a string id with an SMT.",
    ),
    # Deletes.
    Rule(
        "es-null-values-fail",
        _E,
        "Tombstones reach an Elasticsearch sink whose `behavior.on.null.values` is FAIL "
        "(the default): the task dies on the first delete.",
        "Set `behavior.on.null.values: delete` (or `ignore` to keep deleted documents).",
    ),
    Rule(
        "deletes-lost",
        _W,
        "Deletes in the database never remove documents in Elasticsearch.",
        "Keep `tombstones.on.delete=true`, `delete.tombstone.handling.mode=tombstone`, "
        "`behavior.on.null.values=delete`, `key.ignore=false` and no data streams.",
    ),
    Rule(
        "smt-removed-option",
        _E,
        "ExtractNewRecordState option removed in Debezium 3.2 (`drop.tombstones`, "
        "`delete.handling.mode`) is ignored, so what it asked for is lost.",
        "Use `delete.tombstone.handling.mode` (tombstone, drop, rewrite, "
        "rewrite-with-tombstone, delete-to-tombstone).",
    ),
    # Source identity.
    Rule(
        "server-id-conflict",
        _E,
        "Two MySQL/MariaDB connectors on the same server use the same `database.server.id`.",
        "Give each connector a unique `database.server.id` among the server's replicas and "
        "clients.",
    ),
    Rule(
        "server-id-offset-overlap",
        _W,
        "A `database.server.id` falls in another connector's parallel-snapshot id range "
        "(`id + database.server.id.offset`).",
        "Pick ids far apart, or change `database.server.id.offset`.",
    ),
    Rule(
        "history-topic-shared",
        _E,
        "Two connectors share a `schema.history.internal.kafka.topic` on the same Kafka cluster.",
        "Give each connector its own history topic (one partition, infinite retention).",
    ),
    Rule(
        "topic-prefix-shared",
        _E,
        "Two Debezium connectors share a `topic.prefix`.",
        "Give each connector a unique `topic.prefix` (and never change it after deploy).",
    ),
    # Converters.
    Rule(
        "converter-mismatch",
        _E,
        "The sink certainly reads a source's topic with a different converter (or "
        "`schemas.enable`) than the source wrote it with.",
        "Use the same `key.converter`/`value.converter` and `*.schemas.enable` on both sides.",
    ),
    Rule(
        "converter-option-ignored",
        _W,
        "`<key|value>.converter.*` options are set without `<key|value>.converter`: Connect "
        "ignores them and uses the worker's converter settings.",
        "Also set `key.converter`/`value.converter` on the connector.",
    ),
    Rule(
        "es-schemaless-mapping",
        _E,
        "`schema.ignore=false` but the sink reads values without schemas: "
        "`Cannot infer mapping without schema`.",
        "Set `schema.ignore: true`, or use a schema-carrying converter "
        "(JSON with schemas, Avro, Protobuf).",
    ),
    Rule(
        "es-time-precision",
        _W,
        "Debezium time types (`time.precision.mode` other than connect) are not Connect "
        "logical types: Elasticsearch maps them as numbers.",
        "Set `time.precision.mode: connect` on the source, or `schema.ignore: true` with an "
        "index template.",
    ),
    # Secrets.
    Rule(
        "plaintext-secret",
        _W,
        "A password or other secret is written in plaintext (also inside a URL, "
        "`scheme://user:password@host`); Connect shows it in `GET /connectors/<name>`.",
        "Use a ConfigProvider reference: `${env:VAR}` (Kafka 3.5+) or `${file:/path:key}`.",
    ),
    Rule(
        "unknown-config-provider",
        _E,
        "A `${provider:...}` reference names a provider the worker does not declare in "
        "`config.providers`.",
        "Declare the provider in the worker config, or fix the reference.",
    ),
    # Elasticsearch sink internals (its own Validator).
    Rule(
        "es-buffer-too-small",
        _E,
        "`max.buffered.records` is smaller than `batch.size` × `max.in.flight.requests`.",
        "Raise `max.buffered.records` or lower `batch.size`/`max.in.flight.requests`.",
    ),
    Rule(
        "es-credentials-pair",
        _E,
        "Only one of `connection.username` and `connection.password` is set.",
        "Set both, or neither.",
    ),
    Rule(
        "es-data-stream",
        _E,
        "Data stream settings conflict (type without dataset, UPSERT or deletes with data "
        "streams, timestamp field without data streams).",
        "Data streams are append-only: use `write.method=insert` and "
        "`behavior.on.null.values` ignore/fail, and set type and dataset together.",
    ),
    Rule(
        "es-validator",
        _E,
        "The sink's own Validator rejects the config: linger.ms above flush.timeout.ms, "
        "proxy.username/proxy.password without proxy.host or without each other, "
        "elastic.https.* without elastic.security.protocol=SSL (or SSL without them), "
        "Kerberos half set or mixed with credentials or a proxy.",
        "Follow the message; it names the Validator method that rejects the config.",
    ),
    Rule(
        "es-ignore-conflict",
        _E,
        "`topic.key.ignore`/`topic.schema.ignore` are set while `key.ignore`/`schema.ignore` "
        "is true.",
        "Drop the per-topic list, or set the global flag to false.",
    ),
    # Snapshots.
    Rule(
        "snapshot-without-locks",
        _W,
        "`snapshot.locking.mode=none` with a snapshot that reads data: DDL during the "
        "snapshot can make it inconsistent.",
        "Keep the default `minimal`, or make sure no schema changes run during snapshots.",
    ),
)
_OBSERVED = {
    "topics-unmatched": "The sink runs and no document ever arrives.",
    "topics-unproduced": "The tutorial's `mysql\\.mydb\\..*` while its source writes "
    "`mingle.mydb.post`: the sink runs and no document ever arrives.",
    "envelope-not-unwrapped": "Documents hold `before`, `after`, `source` and `op`.",
    "es-struct-key": "Task FAILED: `STRUCT is not supported as the document id.`; with "
    "`ExtractField$Key` the documents arrive.",
    "es-composite-key": "Keeping `author_id` of the key (author_id, post_id): posts by one "
    "author share one document, earlier posts overwritten. Keeping the unique `post_id`: every "
    "row keeps its document.",
    "es-null-values-fail": "Task FAILED on the first delete: `... has a null value (to ignore "
    "future records like this change the configuration property 'behavior.on.null.values' from "
    "'FAIL' to 'IGNORE')`; with `delete` the document is removed.",
    "deletes-lost": "`key.ignore=true`: ids are `<topic>+<partition>+<offset>`, an update is a "
    "second document, the delete removes nothing. `rewrite`: the document stays with "
    '`__deleted: "true"`. `ignore`: the document stays. `tombstones.on.delete=false` loses the '
    "delete only where the unwrap keeps the delete event (`rewrite-with-tombstone`, or no "
    "unwrap): in the default mode the delete event itself becomes the null-value record and "
    "the document is removed.",
    "converter-mismatch": "Sink with schemas, source without: task FAILED `JsonConverter with "
    'schemas.enable requires "schema" and "payload" fields`. Sink without, source with (the '
    "tutorial, `schema.ignore: true`): records are maps of the JSON envelope (`schema`, "
    "`payload`), Elasticsearch rejects them, task FAILED `Indexing record failed`.",
    "es-schemaless-mapping": "Task FAILED: `Cannot infer mapping without schema.`; with "
    "`schema.ignore: true` the documents arrive (as the raw envelope: the unwrap passes "
    "schemaless records through).",
    "es-time-precision": "DATETIME columns mapped as `long`; with `connect`, as `date`.",
    "es-buffer-too-small": "The sink's validator refuses the config when it is written (400).",
    "es-credentials-pair": "The sink's validator refuses the config when it is written (400).",
    "es-ignore-conflict": "The sink's validator refuses the config when it is written (400).",
    "es-data-stream": "The sink's validator refuses a type without dataset, and UPSERT, when "
    "the config is written (400). The test server has no data streams: not run further.",
}
_CATALOG = tuple(
    Rule(r.id, r.severity, r.summary, r.hint, _OBSERVED.get(r.id, r.observed)) for r in _CATALOG
)
RULES: Mapping[str, Rule] = {rule.id: rule for rule in _CATALOG}


def rules_markdown() -> str:
    """The catalog as a Markdown table (id, severity, summary, hint) for docs/validation.md."""
    lines = [
        "| Rule | Severity | Summary | Fix | On the real pipeline |",
        "|---|---|---|---|---|",
    ]
    for rule in _CATALOG:
        cells = (
            f"`{rule.id}`",
            rule.severity.value,
            rule.summary,
            rule.hint,
            rule.observed or "–",
        )
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
