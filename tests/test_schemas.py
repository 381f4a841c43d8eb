"""Bundled JSON Schemas: lookup, the manifest envelope, and per-class config checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from kconnect.catalogs import (
    connector_schema,
    known_classes,
    load_schema,
    manifest_schema,
    password_keys,
    schema_dir,
)
from kconnect.diagnostics import Location, Severity
from kconnect.validate.keys import check_config
from kconnect.validate.plugin_catalogs import CatalogSet
from kconnect.validate.unknown_keys import check_unknown_keys
from tests.conftest import ES, FILE_SINK, FILE_SOURCE, MARIADB, MYSQL
from tests.conftest import located_manifest as mk  # short: test data reads best on one line

REPO = Path(__file__).resolve().parent.parent


def mysql(**overrides: str) -> dict[str, str]:
    config = {
        "connector.class": MYSQL,
        "topic.prefix": "mingle",
        "database.hostname": "mysql",
        "database.user": "debezium",
        "database.server.id": "184054",
        "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
        "schema.history.internal.kafka.topic": "schema-changes.mydb",
    }
    config.update({k.replace("_", "."): v for k, v in overrides.items()})
    return config


# -- lookup -----------------------------------------------------------------------------------


def test_schema_dir_holds_every_class_schema() -> None:
    folder = schema_dir()
    assert (folder / "manifest.schema.json").is_file()
    assert known_classes() == sorted([ES, MARIADB, MYSQL, FILE_SINK, FILE_SOURCE])
    for cls in known_classes():
        assert (folder / "connectors" / f"{cls}.schema.json").is_file()


@pytest.mark.parametrize(
    "name",
    ["manifest", *(f"connectors/{c}" for c in [ES, MARIADB, MYSQL, FILE_SINK, FILE_SOURCE])],
)
def test_schemas_are_valid_draft_2020_12_with_a_title_and_no_id(name: str) -> None:
    # No $id: a local copy (the relative modeline of connectors.d/) must not send the editor
    # to fetch anything; the manifest schema holds the class schemas under $defs.
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert "$id" not in schema
    assert schema["title"]


def test_installed_package_copy_wins(tmp_path: Path) -> None:
    """As in the wheel: `kconnect/validate/` next to a `kconnect/schemas/` data directory."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "kconnect", site / "kconnect")
    shutil.copytree(REPO / "schemas", site / "kconnect" / "schemas")
    code = (
        "import json, kconnect.catalogs as s; "
        "print(json.dumps([str(s.schema_dir()), s.known_classes(), "
        "sorted(s.password_keys('io.debezium.connector.mysql.MySqlConnector'))]))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    folder, classes, keys = json.loads(out.stdout)
    assert Path(folder) == site / "kconnect" / "schemas"
    assert classes == known_classes()
    assert "database.password" in keys


def test_dev_checkout_falls_back_to_repository_schemas() -> None:
    # A checkout has no kconnect/schemas directory (only the wheel does).
    if not (REPO / "kconnect" / "schemas").is_dir():
        assert schema_dir() == REPO / "schemas"


def test_unknown_class_has_no_schema_but_gets_the_framework_checks() -> None:
    assert connector_schema("com.example.Nope") is None
    assert password_keys("com.example.Nope") == frozenset()
    problems = check_config(mk({"connector.class": "com.example.Nope", "tasks.max": "x"}))
    assert [(p.rule, p.message) for p in problems] == [
        ("schema/type", "tasks.max: must be an integer, got 'x'")
    ]


def test_password_keys() -> None:
    assert password_keys(MYSQL) == {
        "database.password",
        "database.ssl.keystore.password",
        "database.ssl.truststore.password",
    }
    assert password_keys(MARIADB) == password_keys(MYSQL)
    assert password_keys(ES) == {
        "connection.password",
        "proxy.password",
        "elastic.https.ssl.keystore.password",
        "elastic.https.ssl.truststore.password",
        "elastic.https.ssl.key.password",
        # Kafka's client SSL configs, PASSWORD-typed, embedded under elastic.https.
        "elastic.https.ssl.keystore.key",
        "elastic.https.ssl.keystore.certificate.chain",
        "elastic.https.ssl.truststore.certificates",
    }


# -- manifest envelope ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "ok"),
    [
        ({"name": "a", "config": {"connector.class": "x", "tasks.max": 1, "b": True}}, True),
        (
            {
                "name": "a",
                "config": {"connector.class": "x", "topics": ["a", "b"]},
                "state": "paused",
            },
            True,
        ),
        ({"name": "a", "config": {"topics": ["a", "b"]}}, False),
        ({"name": "", "config": {}}, False),
        ({"name": "a/b", "config": {}}, False),
        ({"name": "a\nb", "config": {}}, False),
        ({"name": "a"}, False),
        ({"name": "a", "config": {"k": None}}, False),
        ({"name": "a", "config": {"k": {"nested": "x"}}}, False),
        ({"name": "a", "config": {"k": [{"x": 1}]}}, False),
        ({"name": "a", "config": {}, "state": "deleted"}, False),
        ({"name": "a", "config": {}, "extra": 1}, False),
    ],
)
def test_manifest_schema(doc: dict[str, object], ok: bool) -> None:
    assert Draft202012Validator(manifest_schema()).is_valid(doc) is ok


# -- per-class checks -------------------------------------------------------------------------


def test_valid_mysql_config_has_no_problems() -> None:
    assert check_config(mk(mysql(snapshot_mode="INITIAL", include_schema_changes="False"))) == []


def test_missing_required_keys_are_reported_at_the_manifest() -> None:
    config = mysql()
    del config["database.hostname"]
    del config["schema.history.internal.kafka.topic"]
    problems = check_config(mk(config))
    assert [(p.rule, p.location) for p in problems] == [
        ("schema/required", Location("m.yaml", 2)),
        ("schema/required", Location("m.yaml", 2)),
    ]
    assert "database.hostname" in problems[0].message
    assert "schema.history.internal.kafka.topic" in problems[1].message


def test_history_keys_are_required_only_for_the_kafka_history() -> None:
    config = mysql(schema_history_internal="io.debezium.storage.file.history.FileSchemaHistory")
    del config["schema.history.internal.kafka.topic"]
    del config["schema.history.internal.kafka.bootstrap.servers"]
    assert check_config(mk(config)) == []


def test_every_error_is_reported_each_at_its_key() -> None:
    m = mk(mysql(database_port="33o6", tombstones_on_delete="yes", decimal_handling_mode="float"))
    problems = check_config(m)
    assert [(p.rule, p.location) for p in problems] == [
        ("schema/type", m.location_of("database.port")),
        ("schema/type", m.location_of("tombstones.on.delete")),
        ("schema/enum", m.location_of("decimal.handling.mode")),
    ]
    assert all(p.severity is Severity.ERROR and p.connector == "m" for p in problems)
    assert problems[0].message == "database.port: must be an integer, got '33o6'"
    assert problems[2].message.endswith("allowed values: string, double, precise")


def test_int_type() -> None:
    problems = check_config(mk(mysql(database_server_id="abc")))
    assert [p.rule for p in problems] == ["schema/type"]
    assert problems[0].message == "database.server.id: must be an integer, got 'abc'"


@pytest.mark.parametrize(
    ("value", "version", "replacement"),
    [
        ("schema_only", "3.3", "no_data"),
        ("schema_only_recovery", "3.3", "recovery"),
    ],
)
def test_snapshot_modes_removed_in_3x(value: str, version: str, replacement: str) -> None:
    problems = check_config(mk(mysql(snapshot_mode=value)))
    assert [p.rule for p in problems] == ["schema/enum"]
    assert f"removed in Debezium {version}" in problems[0].message
    assert replacement in problems[0].message


def test_snapshot_mode_never_is_accepted_by_3_5() -> None:
    # The real 3.5.0.Final worker recommends (and accepts) `never`; it is not removed there.
    assert check_config(mk(mysql(snapshot_mode="never"))) == []


def test_mariadb_enums_differ_from_mysql() -> None:
    mariadb = {**mysql(), "connector.class": MARIADB}
    assert check_config(mk({**mariadb, "database.ssl.mode": "verify-full"})) == []
    problems = check_config(mk({**mariadb, "database.ssl.mode": "verify_identity"}))
    assert [p.rule for p in problems] == ["schema/enum"]
    assert problems[0].message.endswith("allowed values: trust, disable, verify-ca, verify-full")
    percona = check_config(mk({**mariadb, "snapshot.locking.mode": "minimal_percona"}))
    assert [p.rule for p in percona] == ["schema/enum"]


def test_tasks_max_must_be_one_for_binlog_connectors() -> None:
    m = mk(mysql(tasks_max="3"))
    problems = check_config(m)
    assert [(p.rule, p.location) for p in problems] == [
        ("schema/range", m.location_of("tasks.max"))
    ]
    assert "single task" in problems[0].message
    assert check_config(mk(mysql(tasks_max="1"))) == []


def test_ranges() -> None:
    es = {"connector.class": ES, "connection.url": "http://es:9200", "topics": "t"}
    assert check_config(mk({**es, "batch.size": "1000000"})) == []
    problems = check_config(mk({**es, "batch.size": "0", "max.in.flight.requests": "1001"}))
    assert [p.rule for p in problems] == ["schema/range", "schema/range"]
    assert "allowed: 1..1000000" in problems[0].message
    assert "allowed: 1..1000" in problems[1].message
    overflow = check_config(mk({**es, "read.timeout.ms": str(2**31)}))
    assert [p.rule for p in overflow] == ["schema/type"]  # not an INT at all
    assert check_config(mk(mysql(database_server_id="0")))[0].rule == "schema/range"


def test_es_enums_are_case_insensitive() -> None:
    es = {"connector.class": ES, "connection.url": "http://es:9200"}
    assert (
        check_config(mk({**es, "behavior.on.null.values": "delete", "write.method": "Upsert"}))
        == []
    )
    problems = check_config(mk({**es, "behavior.on.null.values": "remove"}))
    assert [p.rule for p in problems] == ["schema/enum"]
    assert problems[0].message.endswith("allowed values: ignore, delete, fail")
    missing = check_config(mk({"connector.class": ES}))
    assert [(p.rule, p.message) for p in missing] == [
        ("schema/required", f"connection.url is required by {ES}")
    ]


def test_topic_prefix_pattern_and_removed_keys() -> None:
    m = mk(mysql(topic_prefix="my prefix", database_server_name="old"))
    problems = check_config(m) + check_unknown_keys(m, CatalogSet())
    assert [(p.rule, p.severity, p.message) for p in problems] == [
        ("schema/pattern", Severity.ERROR, problems[0].message),
        (
            "key/renamed",
            Severity.ERROR,
            "database.server.name: no longer read; use topic.prefix instead",
        ),
    ]
    assert "topic.prefix" in problems[0].message
    history = mk({**mysql(), "database.history.kafka.topic": "x"})
    assert check_config(history) == []
    assert [p.message for p in check_unknown_keys(history, CatalogSet())] == [
        "database.history.kafka.topic: no longer read; use schema.history.internal.kafka.topic "
        "instead"
    ]


def test_schemas_are_cached() -> None:
    assert load_schema("manifest") is load_schema("manifest")
