"""Pipeline lint: one firing and one quiet case per rule, plus a fully correct pipeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from kconnect.diagnostics import Location, Problem, Severity
from kconnect.manifests.model import Manifest
from kconnect.validate.keys import check_config
from kconnect.validate.lint import RULES, Rule, lint_pipeline, rules_markdown
from kconnect.validate.lint.regex import regex_overlap
from tests.conftest import ES, MARIADB, MYSQL

JSON = "org.apache.kafka.connect.json.JsonConverter"


def mk(
    name: str, config: Mapping[str, str], *, interpolated: frozenset[str] = frozenset()
) -> Manifest:
    """A manifest as the loader would build it: each key on its own line of `<name>.yaml`."""
    path = f"{name}.yaml"
    lines = {key: Location(path, i + 3) for i, key in enumerate(config)}
    return Manifest(
        name=name,
        config=dict(config),
        location=Location(path, 2),
        key_locations=lines,
        interpolated_keys=interpolated,
    )


def source(name: str = "mydb-connector", **overrides: str) -> Manifest:
    """A Debezium MySQL source, `overrides` applied as `with_config` does."""
    config = {
        "connector.class": MYSQL,
        "tasks.max": "1",
        "database.hostname": "mysql",
        "database.port": "3306",
        "database.user": "debezium",
        "database.password": "${env:MYSQL_PASSWORD}",
        "database.server.id": "184054",
        "topic.prefix": "mingle",
        "database.include.list": "mydb",
        "time.precision.mode": "connect",
        "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
        "schema.history.internal.kafka.topic": "schema-changes.mydb",
    }
    return with_config(mk(name, config), **overrides)


def sink(name: str = "elasticsearch-sink", **overrides: str) -> Manifest:
    """An Elasticsearch sink of its topics, `overrides` applied as `with_config` does."""
    config = {
        "connector.class": ES,
        "tasks.max": "1",
        "topics": "mingle.mydb.post",
        "connection.url": "http://elasticsearch:9200",
        "transforms": "unwrap,key",
        "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
        "transforms.key.type": "org.apache.kafka.connect.transforms.ExtractField$Key",
        "transforms.key.field": "post_id",
        "key.ignore": "false",
        "schema.ignore": "false",
        "behavior.on.null.values": "delete",
    }
    return with_config(mk(name, config), **overrides)


def with_config(m: Manifest, **changes: str) -> Manifest:
    """`m` with keys changed (`a_b` means `a.b`; `__` means `_`); "<unset>" removes a key."""
    config = dict(m.config)
    for k, v in changes.items():
        key = k.replace("__", "\0").replace("_", ".").replace("\0", "_")
        if v == "<unset>":
            config.pop(key, None)
        else:
            config[key] = v
    return mk(m.name, config)


def rules(problems: Sequence[Problem]) -> list[str]:
    return sorted(p.rule for p in problems)


def only(problems: Sequence[Problem], rule: str) -> list[Problem]:
    return [p for p in problems if p.rule == rule]


# -- the good pipeline ------------------------------------------------------------------------


def test_correct_pipeline_has_no_problems_at_all() -> None:
    manifests = [source(), sink()]
    assert lint_pipeline(manifests) == []
    for m in manifests:
        assert check_config(m) == []


def test_every_rule_reported_is_in_the_catalog_and_points_at_a_key() -> None:
    tutorial_like = [
        source(database_password="dbz"),
        sink(topics="<unset>", transforms="<unset>", key_ignore="true", **{"topics.regex": "x"}),
    ]
    problems = lint_pipeline(tutorial_like)
    assert problems
    for p in problems:
        assert p.rule in RULES
        assert p.severity is RULES[p.rule].severity
        assert p.hint == RULES[p.rule].hint
        assert p.connector in {"mydb-connector", "elasticsearch-sink"}
        assert p.location is not None


def test_catalog_and_markdown() -> None:
    assert all(isinstance(r, Rule) and r.id == key for key, r in RULES.items())
    table = rules_markdown()
    assert table.startswith("| Rule | Severity | Summary | Fix |")
    for rule_id in RULES:
        assert f"`{rule_id}`" in table
    assert "ExtractField$Key" in table


# -- topics -----------------------------------------------------------------------------------


def test_topics_regex_in_the_source_namespace_matching_nothing_is_unmatched() -> None:
    bad = sink(topics="<unset>", **{"topics.regex": r"mingle\.otherdb\..*"})
    problems = only(lint_pipeline([source(), bad]), "topics-unmatched")
    assert len(problems) == 1
    assert problems[0].severity is Severity.ERROR
    assert problems[0].location == bad.location_of("topics.regex")
    assert "mingle.mydb.<table>" in problems[0].message


def test_topics_outside_every_source_namespace_are_not_unmatched() -> None:
    # A sink may read topics written outside Connect (an application's, another cluster's
    # Debezium): only a topic in a declared source's namespace is certainly wrong.
    other_prefix = sink(topics="<unset>", **{"topics.regex": r"mysql\.mydb\..*"})
    problems = lint_pipeline([source(), other_prefix])
    assert only(problems, "topics-unmatched") == []
    # ... but it names the source's database: a wrong topic.prefix, perhaps. A warning.
    maybe = only(problems, "topics-unproduced")
    assert [p.severity for p in maybe] == [Severity.WARNING]
    assert maybe[0].message.endswith("fine only if something outside Connect writes them")
    wrong_prefix = sink(topics="mysql.mydb.post")
    assert [p.rule for p in lint_pipeline([source(), wrong_prefix]) if "topics" in p.rule] == [
        "topics-unproduced"
    ]
    app_topic = file_sink("payments")
    assert [p.rule for p in lint_pipeline([source(), app_topic]) if "topics" in p.rule] == []


def test_topics_regex_matching_the_prefix_is_fine() -> None:
    good = sink(topics="<unset>", **{"topics.regex": r"mingle\.mydb\..*"})
    assert lint_pipeline([source(), good]) == []


def test_topic_list_entry_not_produced() -> None:
    bad = sink(topics="mingle.mydb.post,mingle.otherdb.post")
    problems = only(lint_pipeline([source(), bad]), "topics-unmatched")
    assert [p.message.split("'")[1] for p in problems] == ["mingle.otherdb.post"]


def test_literal_table_include_list() -> None:
    src = source(table_include_list="mydb.post,mydb\\.comment")
    assert only(lint_pipeline([src, sink(topics="mingle.mydb.comment")]), "topics-unmatched") == []
    missing = only(lint_pipeline([src, sink(topics="mingle.mydb.users")]), "topics-unmatched")
    assert len(missing) == 1


def test_regex_table_include_list_is_compared_as_regex() -> None:
    src = source(table_include_list=r"mydb\.post_.*")
    ok = sink(topics="<unset>", **{"topics.regex": r"mingle\.mydb\.post_archive"})
    assert only(lint_pipeline([src, ok]), "topics-unmatched") == []
    ok_list = sink(topics="mingle.mydb.post_2024")
    assert only(lint_pipeline([src, ok_list]), "topics-unmatched") == []
    bad = sink(topics="<unset>", **{"topics.regex": r"mingle\.mydb\.comment.*"})
    assert len(only(lint_pipeline([src, bad]), "topics-unmatched")) == 1


def test_no_debezium_source_means_no_topic_check() -> None:
    lone = sink(topics="orders")
    assert lint_pipeline([lone]) == []


def test_unknown_producer_silences_topic_check() -> None:
    other = mk("jdbc-source", {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector"})
    assert only(lint_pipeline([source(), other, sink(topics="orders")]), "topics-unmatched") == []


def test_source_regex_router_renames_topics() -> None:
    src = with_config(
        source(table_include_list="mydb.customers"),
        transforms="route",
        transforms_route_type="org.apache.kafka.connect.transforms.RegexRouter",
        transforms_route_regex="([^.]+)\\.([^.]+)\\.([^.]+)",
        transforms_route_replacement="$3",
    )
    assert only(lint_pipeline([src, sink(topics="customers")]), "topics-unmatched") == []
    stale = only(lint_pipeline([src, sink(topics="mingle.mydb.customers")]), "topics-unmatched")
    assert len(stale) == 1


def test_topics_regex_overmatching_the_schema_change_topic() -> None:
    greedy = sink(topics="<unset>", **{"topics.regex": "mingle.*"})
    problems = only(lint_pipeline([source(), greedy]), "topics-regex-overmatch")
    assert len(problems) == 1
    assert "schema-change topic 'mingle'" in problems[0].message
    quiet = source(include_schema_changes="false")
    assert only(lint_pipeline([quiet, greedy]), "topics-regex-overmatch") == []


def test_topics_regex_overmatching_transaction_topic() -> None:
    src = source(provide_transaction_metadata="true")
    greedy = sink(topics="<unset>", **{"topics.regex": r"mingle\..*"})
    problems = only(lint_pipeline([src, greedy]), "topics-regex-overmatch")
    assert ["transaction" in p.message for p in problems] == [True]


@pytest.mark.parametrize(
    ("topics", "regex", "fires"),
    [("a", "b", True), ("<unset>", "<unset>", True), ("a", "<unset>", False)],
)
def test_sink_needs_exactly_one_of_topics_and_regex(topics: str, regex: str, fires: bool) -> None:
    file_sink = mk(
        "file-sink",
        {
            k: v
            for k, v in {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "topics": topics,
                "topics.regex": regex,
            }.items()
            if v != "<unset>"
        },
    )
    assert (rules(lint_pipeline([file_sink])) == ["sink-topics-config"]) is fires


# -- record shape -----------------------------------------------------------------------------


def test_envelope_not_unwrapped() -> None:
    raw = sink(transforms="key", transforms_unwrap_type="<unset>")
    problems = only(lint_pipeline([source(), raw]), "envelope-not-unwrapped")
    assert len(problems) == 1
    assert problems[0].location == raw.location_of("transforms")


def test_unwrap_on_the_source_is_enough() -> None:
    src = with_config(
        source(),
        transforms="unwrap",
        transforms_unwrap_type="io.debezium.transforms.ExtractNewRecordState",
    )
    plain = sink(transforms="key", transforms_unwrap_type="<unset>")
    assert only(lint_pipeline([src, plain]), "envelope-not-unwrapped") == []


def test_unwrap_on_a_schemaless_sink_does_nothing() -> None:
    src = with_config(
        source(),
        value_converter=JSON,
        value_converter_schemas_enable="false",
    )
    schemaless = sink(
        value_converter=JSON,
        **{"value.converter.schemas.enable": "false", "schema.ignore": "true"},
    )
    problems = only(lint_pipeline([src, schemaless]), "envelope-not-unwrapped")
    assert len(problems) == 1
    assert "schemaless" in problems[0].message


def test_struct_key_without_extract_field() -> None:
    bare = sink(transforms="unwrap", transforms_key_type="<unset>", transforms_key_field="<unset>")
    problems = only(lint_pipeline([source(), bare]), "es-struct-key")
    assert len(problems) == 1
    assert problems[0].location == bare.location_of("key.ignore")
    assert only(lint_pipeline([source(), sink()]), "es-struct-key") == []


def test_string_key_converter_avoids_struct_key() -> None:
    bare = sink(
        transforms="unwrap",
        transforms_key_type="<unset>",
        key_converter="org.apache.kafka.connect.storage.StringConverter",
    )
    src = with_config(source(), key_converter="org.apache.kafka.connect.storage.StringConverter")
    assert only(lint_pipeline([src, bare]), "es-struct-key") == []


def test_composite_message_key_cannot_be_extracted() -> None:
    src = source(message_key_columns="mydb.post:blog_id,post_id")
    problems = only(lint_pipeline([src, sink()]), "es-composite-key")
    assert len(problems) == 1
    assert (
        only(
            lint_pipeline([source(message_key_columns="mydb.post:post_id"), sink()]),
            "es-composite-key",
        )
        == []
    )


# -- deletes ----------------------------------------------------------------------------------


def test_behavior_on_null_values_default_fail() -> None:
    default = sink(behavior_on_null_values="<unset>")
    problems = only(lint_pipeline([source(), default]), "es-null-values-fail")
    assert len(problems) == 1
    assert "(the default)" in problems[0].message
    assert problems[0].location == default.location  # not written: the manifest itself


def test_no_source_tombstones_but_the_unwrap_turns_deletes_into_null_values() -> None:
    """The real pipeline (tests/integration/test_es_rules_real.py): with the default
    delete.tombstone.handling.mode, ExtractNewRecordState makes each delete event a null-value
    record, so tombstones.on.delete=false loses nothing, and FAIL still stops the task."""
    src = source(tombstones_on_delete="false")
    default = sink(behavior_on_null_values="<unset>")
    problems = lint_pipeline([src, default])
    assert only(problems, "deletes-lost") == []
    assert len(only(problems, "es-null-values-fail")) == 1
    assert lint_pipeline([src, sink()]) == []


def test_no_tombstones_loses_deletes_when_the_delete_event_is_kept() -> None:
    src = source(tombstones_on_delete="false")
    keeping = with_config(
        sink(), transforms_unwrap_delete_tombstone_handling_mode="rewrite-with-tombstone"
    )
    lost = only(lint_pipeline([src, keeping]), "deletes-lost")
    assert [p.location for p in lost] == [src.location_of("tombstones.on.delete")]
    unwrapped_nowhere = sink(transforms="key")
    problems = lint_pipeline([src, unwrapped_nowhere])
    lost = only(problems, "deletes-lost")
    assert [p.location for p in lost] == [src.location_of("tombstones.on.delete")]
    assert "no ExtractNewRecordState" in lost[0].message


def test_key_ignore_loses_deletes() -> None:
    keyless = sink(key_ignore="true", transforms="unwrap")
    lost = only(lint_pipeline([source(), keyless]), "deletes-lost")
    assert [p.location for p in lost] == [keyless.location_of("key.ignore")]


def test_smt_dropping_tombstones_loses_deletes() -> None:
    dropping = with_config(sink(), transforms_unwrap_delete_tombstone_handling_mode="rewrite")
    lost = only(lint_pipeline([source(), dropping]), "deletes-lost")
    assert [p.location for p in lost] == [
        dropping.location_of("transforms.unwrap.delete.tombstone.handling.mode")
    ]
    assert "__deleted" in lost[0].message


def test_delete_to_tombstone_keeps_deletes_without_source_tombstones() -> None:
    config = dict(sink().config)
    config["transforms.unwrap.delete.tombstone.handling.mode"] = "delete-to-tombstone"
    assert lint_pipeline([source(tombstones_on_delete="false"), mk("es", config)]) == []


def test_behavior_ignore_loses_deletes() -> None:
    ignoring = sink(behavior_on_null_values="IGNORE")
    lost = only(lint_pipeline([source(), ignoring]), "deletes-lost")
    assert [p.location for p in lost] == [ignoring.location_of("behavior.on.null.values")]


def test_skipped_deletes_are_intentional() -> None:
    src = source(skipped_operations="d,t")
    assert lint_pipeline([src, sink(behavior_on_null_values="<unset>")]) == []


def test_drop_tombstones_is_ignored_since_3_2() -> None:
    config = dict(sink().config)
    config["transforms.unwrap.drop.tombstones"] = "false"
    problems = lint_pipeline([source(), mk("es", config)])
    assert rules(problems) == ["smt-removed-option"]
    assert problems[0].is_error
    assert "ignores it" in problems[0].message
    assert problems[0].message.endswith(
        "use transforms.unwrap.delete.tombstone.handling.mode: tombstone"
    )


# -- source identity --------------------------------------------------------------------------


def test_duplicate_server_id_on_the_same_server() -> None:
    a = source("a", topic_prefix="a", schema_history_internal_kafka_topic="ha")
    b = source("b", topic_prefix="b", schema_history_internal_kafka_topic="hb")
    problems = only(lint_pipeline([a, b]), "server-id-conflict")
    assert sorted(p.connector or "" for p in problems) == ["a", "b"]
    elsewhere = with_config(b, database_hostname="mysql2")
    assert only(lint_pipeline([a, elsewhere]), "server-id-conflict") == []


def test_server_id_in_parallel_snapshot_range() -> None:
    a = source(
        "a", topic_prefix="a", schema_history_internal_kafka_topic="ha", database_server_id="1"
    )
    b = source(
        "b", topic_prefix="b", schema_history_internal_kafka_topic="hb", database_server_id="10001"
    )
    assert rules(lint_pipeline([a, b])) == ["server-id-offset-overlap"]
    far = with_config(b, database_server_id="2")
    assert lint_pipeline([a, far]) == []


def test_shared_history_topic_and_prefix() -> None:
    a = source("a", database_server_id="1")
    b = mk("b", {**source(database_server_id="2").config, "connector.class": MARIADB})
    assert rules(lint_pipeline([a, b])) == [
        "history-topic-shared",
        "history-topic-shared",
        "topic-prefix-shared",
        "topic-prefix-shared",
    ]
    other_cluster = with_config(b, topic_prefix="other")
    other_cluster = mk(
        "b",
        {**other_cluster.config, "schema.history.internal.kafka.bootstrap.servers": "kafka2:9092"},
    )
    assert lint_pipeline([a, other_cluster]) == []


def test_tasks_max_is_reported_by_the_schema_only() -> None:
    two = source(tasks_max="2")
    assert lint_pipeline([two]) == []
    assert rules(check_config(two)) == ["schema/range"]


# -- converters -------------------------------------------------------------------------------


def test_sink_reads_schemaless_json_that_was_written_with_schemas() -> None:
    reader = sink(
        value_converter=JSON, **{"value.converter.schemas.enable": "false", "schema.ignore": "true"}
    )
    problems = only(lint_pipeline([source(), reader]), "converter-mismatch")
    assert len(problems) == 1
    assert problems[0].location == reader.location_of("value.converter.schemas.enable")


def test_source_writes_without_schemas_sink_reads_with() -> None:
    writer = with_config(source(), value_converter=JSON, value_converter_schemas_enable="false")
    problems = only(lint_pipeline([writer, sink()]), "converter-mismatch")
    assert len(problems) == 1
    assert problems[0].connector == "mydb-connector"


def test_worker_defaults_are_overridable() -> None:
    reader = sink(
        value_converter=JSON, **{"value.converter.schemas.enable": "false", "schema.ignore": "true"}
    )
    worker = {"value.converter": JSON, "value.converter.schemas.enable": "false"}
    problems = lint_pipeline([source(), reader], worker_defaults=worker)
    assert only(problems, "converter-mismatch") == []


def test_both_schemaless_with_schema_ignore_false() -> None:
    worker = {"value.converter": JSON, "value.converter.schemas.enable": "false"}
    problems = lint_pipeline([source(), sink()], worker_defaults=worker)
    assert rules(problems) == ["envelope-not-unwrapped", "es-schemaless-mapping"]
    assert (
        only(lint_pipeline([source(), sink(schema_ignore="true")]), "es-schemaless-mapping") == []
    )


def test_converter_options_without_converter_are_ignored() -> None:
    src = with_config(source(), value_converter_schemas_enable="false")
    problems = lint_pipeline([src, sink()])
    assert rules(problems) == ["converter-option-ignored"]
    assert problems[0].location == src.location_of("value.converter.schemas.enable")


def test_time_precision_with_inferred_mapping() -> None:
    src = source(time_precision_mode="<unset>")
    problems = lint_pipeline([src, sink()])
    assert rules(problems) == ["es-time-precision"]
    assert problems[0].severity is Severity.WARNING
    assert lint_pipeline([src, sink(schema_ignore="true")]) == []


# -- secrets ----------------------------------------------------------------------------------


def test_plaintext_password() -> None:
    src = source(database_password="dbz")
    problems = lint_pipeline([src])
    assert rules(problems) == ["plaintext-secret"]
    assert problems[0].severity is Severity.WARNING
    assert problems[0].location == src.location_of("database.password")
    assert "${env:" in (problems[0].hint or "")


def test_secret_values_that_are_fine() -> None:
    interpolated = mk(
        "s",
        {**source(database_password="dbz").config},
        interpolated=frozenset({"database.password"}),
    )
    assert lint_pipeline([interpolated]) == []
    assert lint_pipeline([source(database_password="")]) == []
    jaas = source(
        **{
            "schema.history.internal.producer.sasl.jaas.config": (
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                'username="u" password="${file:/secrets/kafka.properties:pw}";'
            ),
            "key.converter.basic.auth.credentials.source": "USER_INFO",
            "key.converter": JSON,
        }
    )
    assert lint_pipeline([jaas]) == []


def test_plaintext_jaas_and_typed_password() -> None:
    src = source(
        **{
            "schema.history.internal.consumer.sasl.jaas.config": (
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                'username="u" password="hunter2";'
            )
        }
    )
    es = sink(connection_username="elastic", connection_password="changeme")
    problems = lint_pipeline([src, es])
    assert [(p.rule, p.connector) for p in problems] == [
        ("plaintext-secret", "elasticsearch-sink"),
        ("plaintext-secret", "mydb-connector"),
    ]


def test_unknown_config_provider() -> None:
    worker = {"config.providers": "file"}
    problems = lint_pipeline([source()], worker_defaults=worker)
    assert rules(problems) == ["unknown-config-provider"]
    assert lint_pipeline([source()], worker_defaults={"config.providers": "env,file"}) == []


# -- Elasticsearch sink internals -------------------------------------------------------------


def test_buffer_rule() -> None:
    small = sink(max_buffered_records="100", batch_size="50", max_in_flight_requests="3")
    problems = lint_pipeline([small])
    assert rules(problems) == ["es-buffer-too-small"]
    assert "50 × 3 = 150" in problems[0].message
    assert (
        lint_pipeline(
            [sink(max_buffered_records="150", batch_size="50", max_in_flight_requests="3")]
        )
        == []
    )


def test_credentials_pair() -> None:
    half = sink(connection_username="elastic")
    assert rules(lint_pipeline([half])) == ["es-credentials-pair"]
    both = sink(connection_username="elastic", connection_password="${env:ES_PASSWORD}")
    assert lint_pipeline([both]) == []


def test_data_streams_with_upsert_and_deletes() -> None:
    stream = sink(data_stream_type="logs", data_stream_dataset="posts", write_method="upsert")
    problems = lint_pipeline([stream])
    assert rules(problems) == ["es-data-stream", "es-data-stream"]
    no_dataset = sink(data_stream_type="LOGS", behavior_on_null_values="ignore")
    assert rules(lint_pipeline([no_dataset])) == ["es-data-stream"]


def test_data_streams_cannot_take_deletes_from_a_source() -> None:
    stream = sink(
        data_stream_type="logs", data_stream_dataset="posts", behavior_on_null_values="ignore"
    )
    lost = only(lint_pipeline([source(), stream]), "deletes-lost")
    assert stream.location_of("data.stream.type") in [p.location for p in lost]


def test_ignore_conflicts() -> None:
    conflict = sink(key_ignore="true", topic_key_ignore="a")
    assert rules(lint_pipeline([conflict])) == ["es-ignore-conflict"]
    assert lint_pipeline([sink(topic_key_ignore="a")]) == []


# -- snapshots --------------------------------------------------------------------------------


def test_no_locks_with_data_snapshot() -> None:
    unlocked = source(snapshot_locking_mode="none")
    problems = lint_pipeline([unlocked])
    assert rules(problems) == ["snapshot-without-locks"]
    assert problems[0].location == unlocked.location_of("snapshot.locking.mode")
    assert lint_pipeline([source(snapshot_locking_mode="none", snapshot_mode="no_data")]) == []


# -- regex overlap ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (r"mysql\.mydb\..*", r"mingle\.mydb\..+", False),
        (r"mingle\.mydb\..*", r"mingle\.mydb\..+", True),
        (r"mingle\.mydb\.post_archive", r"mingle\.(?:mydb\.post_.*)", True),
        (r"(?i)MINGLE\..*", r"mingle\.x", True),
        (r"[a-z]+\.[0-9]{2}", r"abc\.1[5-9]", True),
        (r"[a-z]+\.[0-9]{2}", r"abc\.1", False),
        (r"(orders|users)", r"user.", True),
        (r"\w+-v2", r"[^-]+", False),
        (r"a(?=b)", r"ab", None),  # lookahead: not modelled, so "maybe"
        (r"(", r"a", None),
    ],
)
def test_regex_overlap(a: str, b: str, expected: bool | None) -> None:
    assert regex_overlap(a, b) is expected


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("connection.url", "jdbc:mysql://app:S3cretPw@db:3306/shop"),
        ("mongodb.connection.string", "mongodb://user:hunter2@mongo:27017/?replicaSet=rs0"),
        ("connection.url", "http://es:9200,http://elastic:changeme@es2:9200"),
    ],
)
def test_plaintext_password_inside_a_url(key: str, value: str) -> None:
    src = source(**{key: value})
    problems = lint_pipeline([src])
    assert [(p.rule, p.message) for p in problems] == [
        (
            "plaintext-secret",
            f"{key} holds a URL with a plaintext password (user:password@host), visible to "
            "anyone who can read the manifest or GET /connectors/mydb-connector",
        )
    ]
    assert problems[0].location == src.location_of(key)


@pytest.mark.parametrize(
    "value",
    [
        "jdbc:mysql://app:${file:/secrets/db.properties:password}@db:3306/shop",
        "mongodb://user:${env:MONGO_PASSWORD}@mongo:27017",
        "http://es:9200",
        "jdbc:mysql://app@db:3306/shop",
        "http://user:@es:9200",
    ],
)
def test_url_without_a_literal_password_is_fine(value: str) -> None:
    assert lint_pipeline([source(**{"connection.url": value})]) == []


def test_interpolated_url_password_is_fine() -> None:
    m = mk(
        "s",
        {**source(**{"connection.url": "jdbc:mysql://app:resolved@db/shop"}).config},
        interpolated=frozenset({"connection.url"}),
    )
    assert lint_pipeline([m]) == []


# -- a "maybe" is never an error --------------------------------------------------------------

AVRO = "io.confluent.connect.avro.AvroConverter"
REGEX_ROUTER = "org.apache.kafka.connect.transforms.RegexRouter"


def file_sink(topics: str, **extra: str) -> Manifest:
    return mk(
        "payments-file",
        {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "topics": topics,
            "file": "/tmp/payments.txt",
            "value.converter": AVRO,
            "value.converter.schema.registry.url": "http://registry:8081",
            **extra,
        },
    )


def routed_source(replacement: str, regex: str = "(.*)", **extra: str) -> Manifest:
    return source(
        **extra,
        transforms="route",
        transforms_route_type=REGEX_ROUTER,
        transforms_route_regex=regex,
        transforms_route_replacement=replacement,
    )


def test_router_with_groups_and_an_unrelated_sink_is_not_a_converter_mismatch() -> None:
    # The reproduction: the source writes cdc.<…>, the sink reads payments with Avro.
    problems = lint_pipeline([routed_source("cdc.$1"), file_sink("payments")])
    assert only(problems, "converter-mismatch") == []


def test_router_with_groups_makes_matching_a_maybe() -> None:
    # cdc.mingle.mydb.post may well be what the router writes, but kconnect cannot be sure:
    # neither an unmatched-topic error nor a converter error.
    problems = lint_pipeline([routed_source("cdc.$1"), file_sink("cdc.mingle.mydb.post")])
    assert only(problems, "converter-mismatch") == []
    assert only(problems, "topics-unmatched") == []
    # A topic the router's output can never be is still reported.
    never = lint_pipeline([routed_source("cdc.$1"), file_sink("mingle.mydb.post")])
    assert [p.message for p in only(never, "topics-unmatched")] == [
        "topic 'mingle.mydb.post' is not produced by any declared Debezium source "
        "(mydb-connector writes cdc.<…>)"
    ]


def test_literal_routing_is_certain_and_still_checked() -> None:
    src = routed_source(
        "cdc.$3", regex="([^.]+)\\.([^.]+)\\.([^.]+)", **{"table.include.list": "mydb.post"}
    )
    problems = lint_pipeline([src, file_sink("cdc.post")])
    assert [p.rule for p in only(problems, "converter-mismatch")] == ["converter-mismatch"]
    assert only(problems, "converter-mismatch")[0].severity is Severity.ERROR


def test_outbox_router_topics_are_a_maybe() -> None:
    outbox = source(
        **{
            "table.include.list": "mydb.outboxevent",
            "transforms": "outbox",
            "transforms.outbox.type": "io.debezium.transforms.outbox.EventRouter",
            "transforms.outbox.route.topic.replacement": "events.${routedByValue}",
        }
    )
    problems = lint_pipeline([outbox, file_sink("events.order")])
    assert only(problems, "topics-unmatched") == []
    assert only(problems, "converter-mismatch") == []
    # Outside the source's `mingle.` namespace: another producer may write it.
    elsewhere = lint_pipeline([outbox, file_sink("outbox.event.order")])
    assert only(elsewhere, "topics-unmatched") == []
