"""Editor schemas (schemas/): generated from the catalogs, standard JSON Schema only, and checked
with the real yaml-language-server (npm) on manifests: no diagnostic on a valid manifest, one at
the right line for a wrong enum, a wrong type or an unknown key."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from kconnect.catalogs import schema_dir
from kconnect.validate.schema_gen import generate, render
from tests.yamlls import YamlLanguageServer, YamlLsUnavailable, install

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "schemas"
MODELINE = "# yaml-language-server: $schema={schema}\n"

MYSQL = """name: orders-source
config:
  connector.class: {cls}
  tasks.max: 1
  database.hostname: mysql
  database.port: 3306
  database.user: debezium
  database.password: ${{env:MYSQL_PASSWORD}}
  database.server.id: 184054
  topic.prefix: mingle
  include.schema.changes: false
  snapshot.mode: INITIAL
  table.include.list: [mydb.orders, mydb.customers]
  schema.history.internal.kafka.bootstrap.servers: kafka:9092
  schema.history.internal.kafka.topic: schema-changes.mydb
  database.allowPublicKeyRetrieval: true
  transforms: unwrap
  transforms.unwrap.type: io.debezium.transforms.ExtractNewRecordState
  converters: boolean
  boolean.type: io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter
"""

ES = """name: orders-sink
config:
  connector.class: io.confluent.connect.elasticsearch.ElasticsearchSinkConnector
  topics: mingle.mydb.orders
  connection.url: http://elasticsearch:9200
  key.ignore: false
  behavior.on.null.values: DELETE
  batch.size: "500"
  consumer.override.max.poll.records: 500
state: paused
"""

FILE_SINK = """name: orders-file
config:
  connector.class: FileStreamSink
  topics: [a, b]
  file: /tmp/out
  errors.tolerance: all
"""


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            if key not in ("properties", "patternProperties", "$defs"):
                yield from _walk(value)
            else:
                for sub in value.values():
                    yield from _walk(sub)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def test_committed_schemas_are_the_generated_ones() -> None:
    # Regenerate with `python -m kconnect.validate.schema_gen` after changing the catalogs.
    for name, schema in generate().items():
        assert (schema_dir() / name).read_text(encoding="utf-8") == render(schema), name
    on_disk = {p.name for p in (SCHEMAS / "connectors").glob("*.schema.json")}
    assert on_disk == {n.split("/", 1)[1] for n in generate() if n.startswith("connectors/")}


@pytest.mark.parametrize("path", sorted(SCHEMAS.rglob("*.schema.json")), ids=lambda p: p.name)
def test_schemas_use_standard_keywords_and_describe_every_key(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    custom = sorted({key for key, _ in _walk(schema) if key.startswith("x-")})
    assert custom == []
    classes = schema.get("$defs", {}).values() if "$defs" in schema else [schema]
    for cls in classes:
        for key, prop in cls["properties"].items():
            assert prop.get("description"), f"{path.name}: {key} has no description"


def _manifest(text: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


@pytest.mark.parametrize(
    "text",
    [
        MYSQL.format(cls="io.debezium.connector.mysql.MySqlConnector"),
        MYSQL.format(cls="MySqlConnector"),
        MYSQL.format(cls="io.debezium.connector.mariadb.MariaDbConnector"),
        ES,
        FILE_SINK,
        "name: x\nconfig:\n  connector.class: com.example.AnythingConnector\n  any.key: 1\n",
    ],
)
def test_valid_manifests_pass_the_schema(text: str) -> None:
    schema = json.loads((SCHEMAS / "manifest.schema.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(_manifest(text))) == []


# -- the real yaml-language-server ------------------------------------------------------------


@pytest.fixture(scope="module")
def yamlls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[YamlLanguageServer]:
    try:
        binary = install()
    except YamlLsUnavailable as e:
        pytest.skip(str(e))
    server = YamlLanguageServer(binary, tmp_path_factory.mktemp("yamlls"))
    yield server
    server.close()


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(MODELINE.format(schema=SCHEMAS / "manifest.schema.json") + text)
    return path


def _found(server: YamlLanguageServer, path: Path) -> list[tuple[int, str]]:
    """(1-based line, message) of every diagnostic."""
    return [(d["range"]["start"]["line"] + 1, d["message"]) for d in server.diagnostics(path)]


@pytest.mark.parametrize(
    "text",
    [
        MYSQL.format(cls="io.debezium.connector.mysql.MySqlConnector"),
        MYSQL.format(cls="MySql"),
        ES,
        FILE_SINK,
    ],
)
def test_editor_shows_nothing_on_a_valid_manifest(
    yamlls: YamlLanguageServer, tmp_path: Path, text: str
) -> None:
    assert _found(yamlls, _write(tmp_path, "ok.yaml", text)) == []


def test_editor_shows_nothing_on_the_bundled_connectors(
    yamlls: YamlLanguageServer, tmp_path: Path
) -> None:
    # As committed, with their relative modeline (../schemas/manifest.schema.json).
    shutil.copytree(REPO / "connectors.d", tmp_path / "connectors.d")
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    for path in sorted((tmp_path / "connectors.d").glob("*.yaml")):
        assert _found(yamlls, path) == [], path.name


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("snapshot.mode: INITIAL", "snapshot.mode: sometimes", 13, "Value is not accepted"),
        ("tasks.max: 1", "tasks.max: lots", 5, "Incorrect type"),
        ("database.server.id: 184054", "database.server.id: 0", 10, "Value is below the minimum"),
        (
            "include.schema.changes: false",
            "include.schema.chnages: false",
            12,
            "Property include.schema.chnages is not allowed",
        ),
        ("include.schema.changes: false", "include.schema.changes: maybe", 12, "Incorrect type"),
    ],
)
def test_editor_shows_one_diagnostic_at_the_line(
    yamlls: YamlLanguageServer, tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    text = MYSQL.format(cls="io.debezium.connector.mysql.MySqlConnector")
    assert old in text
    found = _found(yamlls, _write(tmp_path, "bad.yaml", text.replace(old, new)))
    assert len(found) == 1, found
    assert found[0][0] == line
    assert message in found[0][1]


def test_editor_checks_connect_enums_case_sensitively(
    yamlls: YamlLanguageServer, tmp_path: Path
) -> None:
    found = _found(yamlls, _write(tmp_path, "f.yaml", FILE_SINK.replace(": all", ": ALL")))
    assert [line for line, _ in found] == [7]


def test_editor_completes_the_keys_of_the_class(yamlls: YamlLanguageServer, tmp_path: Path) -> None:
    path = _write(tmp_path, "c.yaml", ES + "")
    labels = yamlls.completion(path, 5, 2)  # a new key below `connector.class`
    assert "behavior.on.malformed.documents" in labels
    assert "flush.timeout.ms" in labels
