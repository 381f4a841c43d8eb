"""Value checks from the catalogs' generated checks: every class, every family, the worker's
case sensitivity, class near misses and aliases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kconnect.core import offline_problems
from tests.conftest import FILE_SINK, FILE_SOURCE, MYSQL
from tests.conftest import located_manifest as mk  # short: test data reads best on one line

TSCONV = "org.apache.kafka.connect.transforms.TimestampConverter$Value"


def found(config: dict[str, str]) -> list[tuple[str, int, str]]:
    return [
        (p.rule, p.location.line, p.message) for p in offline_problems([mk(config)]) if p.is_error
    ]


def binlog(**extra: str) -> dict[str, str]:
    return {
        "connector.class": MYSQL,
        "tasks.max": "1",
        "database.hostname": "mysql",
        "database.user": "debezium",
        "database.password": "${env:PW}",
        "database.server.id": "184054",
        "topic.prefix": "dbserver1",
        "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
        "schema.history.internal.kafka.topic": "schema-changes.inventory",
        **extra,
    }


def file_sink(**extra: str) -> dict[str, str]:
    return {"connector.class": FILE_SINK, "topics": "t", "file": "/tmp/out", **extra}


def test_valid_configs_are_silent() -> None:
    assert found(binlog()) == []
    assert found(file_sink(**{"errors.tolerance": "all", "tasks.max": "3"})) == []


@pytest.mark.parametrize(
    ("key", "value", "rule", "message"),
    [
        ("errors.tolerance", "ALL", "schema/enum", "'ALL' is not allowed (case-sensitive)"),
        ("tasks.max", "0", "schema/range", "0 is out of range; allowed: 1.."),
        ("tasks.max", "2147483648", "schema/type", "must be an integer in"),
        ("tasks.max", "abc", "schema/type", "must be an integer, got 'abc'"),
        ("errors.log.enable", "yes", "schema/type", "must be true or false, got 'yes'"),
        ("errors.retry.timeout", "1.5", "schema/type", "must be an integer"),
    ],
)
def test_framework_keys_are_checked_for_every_class(
    key: str, value: str, rule: str, message: str
) -> None:
    for cls in (FILE_SINK, "com.example.UnknownSinkConnector"):
        problems = found({**file_sink(), "connector.class": cls, key: value})
        assert [(r, m.split(": ", 1)[0]) for r, _, m in problems] == [(rule, key)], problems
        assert message in problems[0][2]


def test_plugin_own_keys_and_required() -> None:
    problems = found({"connector.class": FILE_SOURCE, "topic": "t", "batch.size": "lots"})
    assert ("schema/type", 5, "batch.size: must be an integer, got 'lots'") in problems
    problems = found(binlog(**{"max.batch.size": "0", "snapshot.mode": "sometimes"}))
    messages = [m for _, _, m in problems]
    assert "max.batch.size: 0 is out of range; allowed: 1.." in messages
    assert any(
        m.startswith("snapshot.mode: 'sometimes' is not allowed; allowed values:") for m in messages
    )


def test_debezium_enums_compare_case_insensitively_as_debezium_does() -> None:
    assert found(binlog(**{"snapshot.mode": "INITIAL", "decimal.handling.mode": " string "})) == []


def test_transform_predicate_converter_and_override_values() -> None:
    config = file_sink(
        **{
            "transforms": "ts",
            "transforms.ts.type": TSCONV,
            "transforms.ts.target.type": "timestamp",
            "transforms.ts.predicate": "p",
            "predicates": "p",
            "predicates.p.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "nope",
            "consumer.override.auto.offset.reset": "beginning",
            "consumer.override.max.poll.records": "many",
        }
    )
    problems = {m.split(":", 1)[0]: (r, m) for r, _, m in found(config)}
    assert problems["transforms.ts.target.type"] == (
        "schema/enum",
        "transforms.ts.target.type: 'timestamp' is not allowed (case-sensitive); allowed values: "
        "string, unix, Date, Time, Timestamp",
    )
    assert (
        problems[
            "predicates.p.pattern is required by org.apache.kafka.connect.transforms"
            ".predicates.TopicNameMatches"
        ][0]
        == "schema/required"
    )
    assert problems["value.converter.schemas.enable"][0] == "schema/type"
    assert problems["consumer.override.auto.offset.reset"][1].endswith(
        "allowed values: latest, earliest, none, by_duration:<ISO-8601 duration>"
    )
    assert problems["consumer.override.max.poll.records"][0] == "schema/type"


def test_missing_required_smt_key_points_at_its_type() -> None:
    config = file_sink(**{"transforms": "ts", "transforms.ts.type": TSCONV})
    assert ("schema/required", 7, f"transforms.ts.target.type is required by {TSCONV}") in found(
        config
    )


def test_topic_creation_groups() -> None:
    config = binlog(
        **{
            "topic.creation.groups": "big",
            "topic.creation.default.replication.factor": "-1",
            "topic.creation.big.partitions": "0",
        }
    )
    problems = [(r, m) for r, _, m in found(config)]
    assert (
        "schema/required",
        "topic.creation.default.partitions is required by topic creation",
    ) in problems
    assert any(
        r == "schema/range" and m.startswith("topic.creation.big.partitions: 0")
        for r, m in problems
    )


def test_client_passthrough_values() -> None:
    problems = found(binlog(**{"schema.history.internal.consumer.auto.offset.reset": "beginning"}))
    assert [r for r, _, _ in problems] == ["schema/enum"]


@pytest.mark.parametrize(
    ("key", "value", "suggestion"),
    [
        ("connector.class", "io.debezium.connector.mysql.MySQLConnector", MYSQL),
        ("connector.class", "MySQLConnector", MYSQL),
        (
            "key.converter",
            "org.apache.kafka.connect.json.JsonConvertor",
            "org.apache.kafka.connect.json.JsonConverter",
        ),
    ],
)
def test_class_near_miss_is_an_error(key: str, value: str, suggestion: str) -> None:
    config = {**file_sink(), key: value, "tasks.max": "abc"}
    problems = found(config)
    assert (
        "class/typo",
        f"{key}: no plugin class {value!r}; did you mean {suggestion}?",
    ) in [(r, m) for r, _, m in problems]
    # The framework checks still run beside a mistyped class.
    assert any(m.startswith("tasks.max: must be an integer") for _, _, m in problems)


def test_transform_class_near_miss() -> None:
    config = file_sink(
        **{"transforms": "r", "transforms.r.type": "org.apache.kafka.connect.transforms.RegexRoutr"}
    )
    assert [(r, m) for r, _, m in found(config)] == [
        (
            "class/typo",
            "transforms.r.type: no plugin class 'org.apache.kafka.connect.transforms.RegexRoutr'; "
            "did you mean org.apache.kafka.connect.transforms.RegexRouter?",
        )
    ]


def test_short_alias_gets_the_full_checks() -> None:
    for alias in ("MySqlConnector", "MySql"):
        problems = found(
            binlog(**{"connector.class": alias, "snapshot.mode": "sometimes", "tasks.max": "2"})
        )
        keys = sorted(m.split(":", 1)[0].split(" ")[0] for _, _, m in problems)
        assert keys == ["snapshot.mode", "tasks.max"], problems


def test_cli_reports_value_with_line(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(
        "name: a\nconfig:\n  connector.class: FileStreamSink\n  topics: t\n  errors.tolerance: ALL\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "kconnect", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert (
        f"{path}:5: error: errors.tolerance: 'ALL' is not allowed (case-sensitive); allowed "
        "values: none, all [schema/enum]"
    ) in done.stdout


def test_structure_rules() -> None:
    config = file_sink(
        **{
            "transforms": "a,b,a",
            "transforms.a.type": "org.apache.kafka.connect.transforms.RegexRouter",
            "transforms.a.regex": "x",
            "transforms.a.replacement": "y",
            "transforms.a.predicate": "missing",
            "transforms.b.type": "org.apache.kafka.connect.transforms.InsertHeader",
            "transforms.b.header": "h",
            "transforms.b.value.literal": "v",
            "transforms.b.negate": "true",
            "predicates": "p",
        }
    )
    problems = {r: m for r, _, m in found(config)}
    assert problems["structure/duplicate-alias"] == (
        "transforms lists 'a' 2 times: Connect rejects duplicate aliases"
    )
    assert problems["structure/predicate-undeclared"] == (
        "transforms.a.predicate: predicate 'missing' is not declared in predicates (p): "
        "Connect rejects the config"
    )
    assert problems["structure/predicate-type-missing"].startswith("predicates lists 'p'")
    assert problems["structure/negate-without-predicate"].startswith("transforms.b.negate is set")


def test_debezium_converter_entry_without_type() -> None:
    problems = found(binlog(**{"converters": "bool", "bool.selector": ".*"}))
    assert [(r, m) for r, _, m in problems] == [
        (
            "structure/converter-type-missing",
            "converters lists 'bool' but bool.type is not set: Debezium cannot create the "
            "converter and the task fails",
        )
    ]


def test_topic_creation_key_typo() -> None:
    config = binlog(
        **{
            "topic.creation.default.replication.factr": "1",
            "topic.creation.default.partitions": "1",
            "topic.creation.default.cleanup.policy": "compact",
        }
    )
    problems = [(r, m) for r, _, m in found(config)]
    assert (
        "key/typo",
        "topic.creation.default.replication.factr: unknown key; did you mean "
        "topic.creation.default.replication.factor?",
    ) in problems


def test_removed_unwrap_option_is_an_error_naming_the_replacement() -> None:
    config = binlog(
        **{
            "transforms": "unwrap",
            "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
            "transforms.unwrap.drop.tombstones": "false",
        }
    )
    assert [(r, m) for r, _, m in found(config)] == [
        (
            "smt-removed-option",
            "transforms.unwrap.drop.tombstones was removed from ExtractNewRecordState in "
            "Debezium 3.2: Connect ignores it, so what it asks for is lost; use "
            "transforms.unwrap.delete.tombstone.handling.mode: tombstone",
        )
    ]


def test_debezium_code_validators_by_hand() -> None:
    problems = [(r, m) for r, _, m in found(binlog(**{"max.queue.size": "1000"}))]
    assert problems == [
        (
            "debezium/invalid",
            "max.queue.size (1000) must be larger than max.batch.size (2048) "
            "(Debezium CommonConnectorConfig.validateMaxQueueSize)",
        )
    ]
    # Generated: the binlog Field validator refuses one of the enum's own values (probed).
    problems = [(r, m) for r, _, m in found(binlog(**{"time.precision.mode": "adaptive"}))]
    assert problems == [
        (
            "schema/enum",
            "time.precision.mode: 'adaptive' is not allowed: The 'adaptive' time.precision.mode "
            "is no longer supported; allowed values: adaptive_time_microseconds, isostring, "
            "microseconds, nanoseconds, connect",
        )
    ]


def test_negate_is_boolean_and_replacefield_blacklist_is_renamed() -> None:
    config = file_sink(
        **{
            "transforms": "r",
            "transforms.r.type": T_REPLACE,
            "transforms.r.blacklist": "a",
            "transforms.r.predicate": "p",
            "transforms.r.negate": "yes",
            "predicates": "p",
            "predicates.p.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
        }
    )
    assert sorted((r, m) for r, _, m in found(config)) == [
        ("key/renamed", "transforms.r.blacklist: no longer read; use transforms.r.exclude"),
        ("schema/type", "transforms.r.negate: must be true or false, got 'yes'"),
    ]


T_REPLACE = "org.apache.kafka.connect.transforms.ReplaceField$Value"


def test_offline_validate_does_not_import_the_http_client() -> None:
    # Start-up is a feature: offline validate (a pre-commit hook) never pays for httpx.
    # Reported at exit: the program ends its process itself, after the atexit functions.
    code = (
        "import atexit, runpy, sys\n"
        "sys.argv = ['kconnect', 'validate', 'connectors.d/']\n"
        "@atexit.register\n"
        "def report():\n"
        "    loaded = [m for m, mod in sys.modules.items() if mod is not None]\n"
        "    print(sorted(m for m in loaded if m.split('.')[0] in ('httpx', 'httpcore')))\n"
        "runpy.run_module('kconnect', run_name='__main__')\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_camel_case_near_miss_under_a_pass_through_is_a_typo() -> None:
    problems = [(r, m) for r, _, m in found(binlog(**{"database.includeList": "inventory"}))]
    assert problems == [
        ("key/typo", "database.includeList: unknown key; did you mean database.include.list?")
    ]
    # A JDBC driver property stays a pass-through.
    assert found(binlog(**{"database.allowPublicKeyRetrieval": "true"})) == []


def test_config_provider_references_are_left_to_the_worker() -> None:
    # The worker resolves ${provider:path:key} before it validates: no offline verdict.
    assert found(binlog(**{"database.port": "${file:/etc/kafka/db.properties:port}"})) == []


def test_include_and_exclude_lists_together() -> None:
    config = binlog(**{"table.include.list": "mydb.a", "table.exclude.list": "mydb.b"})
    assert [(r, m) for r, _, m in found(config)] == [
        (
            "debezium/invalid",
            'table.exclude.list: "table.include.list" is already specified; Debezium takes one '
            "of the two (RelationalDatabaseConnectorConfig.validateTableExcludeList)",
        )
    ]
