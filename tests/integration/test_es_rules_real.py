"""Every rule that predicts what the Elasticsearch sink will do, proven on the real one.

One pipeline run for all of them (the CI cost stays small): three Debezium sources on the
stack's MariaDB, and next to a reference sink (connectors.d/'s config) one sink per rule with the
rule's bad configuration, created with the REST API (kconnect's `validate` would refuse them:
the first test asserts it flags each one). Every sink writes its own index, created beforehand
and named with `external.resource.usage: INDEX` (the sink refuses topic-renaming SMTs: "Found a
topic name ... that doesn't match assigned partitions"). One INSERT, UPDATE and DELETE of a marker row then run through all of them
at once, and each test asserts what its rule's message says will happen: the task FAILS with
that error, the delete never removes the document, the document holds the raw envelope. The
fixes are applied with `kconnect apply --wait` and the documents arrive.

The sink's own validator (buffer sizes, credentials, per-topic ignores, data streams) refuses
bad configurations when they are written: those tests assert the worker's 400 and message.

The tutorial this project started from runs here too (tests/fixtures/tutorial/, endpoints and
the MariaDB class replaced): nothing ever arrives, and with its regex fixed, what
`key.ignore: true` and the default `behavior.on.null.values` do to updates and deletes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.integration.es import Docs, delete_index, mapping, search, wait_docs
from tests.oracle_corpus import config_of
from tests.stack.cli import KResult, run_kconnect
from tests.stack.elasticsearch import SINK_CLASS
from tests.stack.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.elasticsearch]

REPO = Path(__file__).resolve().parents[2]
TUTORIAL = REPO / "tests" / "fixtures" / "tutorial"
MARIADB_CLASS = "io.debezium.connector.mariadb.MariaDbConnector"
JSON = "org.apache.kafka.connect.json.JsonConverter"
UNWRAP = "io.debezium.transforms.ExtractNewRecordState"
EXTRACT_KEY = "org.apache.kafka.connect.transforms.ExtractField$Key"

# Sources: (name, topic prefix, database.server.id, config overrides)
STANDARD, SCHEMALESS, ODD = "rules-src", "rules-src-nos", "rules-src-odd"
SOURCES: dict[str, tuple[str, int, dict[str, str | None]]] = {
    # connectors.d/'s source.
    STANDARD: ("rules", 184201, {}),
    # JSON without schemas on both sides of the topic.
    SCHEMALESS: (
        "rules_nos",
        184202,
        {"key.converter.schemas.enable": "false", "value.converter.schemas.enable": "false"},
    ),
    # Debezium's default time types, no tombstones, a composite message key.
    ODD: (
        "rules_odd",
        184203,
        {
            "time.precision.mode": None,
            "tombstones.on.delete": "false",
            "message.key.columns": "mydb.post:author_id,post_id",
        },
    ),
}

REFERENCE = "rules-reference"


def _topic(source: str) -> str:
    return f"{SOURCES[source][0]}.mydb.post"


def _index(sink: str) -> str:
    return f"proof-{sink.removeprefix('rules-')}"


@dataclass(frozen=True)
class Proof:
    """A sink with a rule's bad configuration: what `validate` says, and its fix."""

    rule: str
    source: str
    changes: dict[str, str | None]
    fix: dict[str, str | None] = field(default_factory=dict)  # applied by kconnect; {}: none
    on_source: bool = False  # validate blames the source (the bad setting is there)
    flagged: bool = True  # False: the real pipeline showed the rule must stay silent here


PROOFS: dict[str, Proof] = {
    "rules-struct-key": Proof(
        "es-struct-key",
        STANDARD,
        {"transforms": "unwrap"},
        fix={"transforms": "unwrap,key"},
    ),
    "rules-null-fail": Proof(
        "es-null-values-fail",
        STANDARD,
        {"behavior.on.null.values": None},
        fix={"behavior.on.null.values": "delete"},
    ),
    "rules-key-ignore": Proof("deletes-lost", STANDARD, {"key.ignore": "true"}),
    "rules-rewrite": Proof(
        "deletes-lost", STANDARD, {"transforms.unwrap.delete.tombstone.handling.mode": "rewrite"}
    ),
    "rules-null-ignore": Proof("deletes-lost", STANDARD, {"behavior.on.null.values": "ignore"}),
    # tombstones.on.delete=false: the default unwrap mode makes each delete event a null-value
    # record, so the delete still arrives (the rule was wrong here and changed) ...
    "rules-no-tombstones": Proof("deletes-lost", ODD, {}, on_source=True, flagged=False),
    # ... unless the unwrap keeps the delete event (rewrite-with-tombstone).
    "rules-no-tombstones-kept": Proof(
        "deletes-lost",
        ODD,
        {"transforms.unwrap.delete.tombstone.handling.mode": "rewrite-with-tombstone"},
        on_source=True,
    ),
    "rules-envelope": Proof("envelope-not-unwrapped", STANDARD, {"transforms": "key"}),
    "rules-time": Proof("es-time-precision", ODD, {}, on_source=True),
    "rules-composite": Proof("es-composite-key", ODD, {"transforms.key.field": "author_id"}),
    "rules-composite-unique": Proof("es-composite-key", ODD, {}),
    "rules-schemaless": Proof(
        "es-schemaless-mapping",
        SCHEMALESS,
        {"key.converter.schemas.enable": "false", "value.converter.schemas.enable": "false"},
        fix={"schema.ignore": "true"},
    ),
    "rules-converter": Proof(
        "converter-mismatch",
        SCHEMALESS,
        {},
        fix={
            "key.converter.schemas.enable": "false",
            "value.converter.schemas.enable": "false",
            "schema.ignore": "true",
        },
    ),
    "rules-topic-typo": Proof("topics-unmatched", STANDARD, {"topics": "rules.mydb.posts"}),
}

# Refused by the sink's own validator when written (PUT answers 400 with its message).
REFUSED: dict[str, tuple[str, dict[str, str | None], str]] = {
    "rules-buffer": (
        "es-buffer-too-small",
        {"batch.size": "2000", "max.in.flight.requests": "5", "max.buffered.records": "100"},
        "max.buffered.records",
    ),
    "rules-credentials": (
        "es-credentials-pair",
        {"connection.username": "elastic"},
        "connection.password",
    ),
    "rules-ignore-conflict": (
        "es-ignore-conflict",
        {"key.ignore": "true", "topic.key.ignore": "rules.mydb.post"},
        "topic.key.ignore",
    ),
    "rules-stream-dataset": (
        "es-data-stream",
        {"data.stream.type": "LOGS", "behavior.on.null.values": "ignore"},
        "data.stream.dataset",
    ),
    "rules-stream-upsert": (
        "es-data-stream",
        {
            "data.stream.type": "LOGS",
            "data.stream.dataset": "posts",
            "write.method": "UPSERT",
            "behavior.on.null.values": "ignore",
        },
        "write.method",
    ),
}


# Rules whose claim the tutorial's run proves (its regex outside the source's namespace).
TUTORIAL_PROVEN = {"topics-unproduced"}


@dataclass
class Rig:
    stack: Stack
    dir: Path
    env: dict[str, str]
    marker: str = ""
    marker_id: str = ""
    after_id: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    tutorial_as_written: dict[str, Any] = field(default_factory=dict)

    @property
    def es(self) -> str:
        assert self.stack.elasticsearch_url
        return self.stack.elasticsearch_url

    def source_config(self, name: str) -> dict[str, str]:
        prefix, server_id, changes = SOURCES[name]
        assert self.stack.mariadb is not None
        base = {
            "connector.class": MARIADB_CLASS,
            "tasks.max": "1",
            "database.hostname": self.stack.mariadb.host,
            "database.port": str(self.stack.mariadb.port),
            "database.user": "debezium",
            "database.password": "${env:MYSQL_DEBEZIUM_PASSWORD}",
            "database.server.id": str(server_id),
            "topic.prefix": prefix,
            "database.include.list": "mydb",
            "table.include.list": "mydb.post",
            "schema.history.internal.kafka.bootstrap.servers": self.stack.bootstrap,
            "schema.history.internal.kafka.topic": f"schema-history.{prefix}",
            "time.precision.mode": "connect",
            "tombstones.on.delete": "true",
            "key.converter": JSON,
            "key.converter.schemas.enable": "true",
            "value.converter": JSON,
            "value.converter.schemas.enable": "true",
        }
        return config_of(base, changes)

    def sink_config(self, name: str, source: str, topic: str | None = None) -> dict[str, str]:
        """connectors.d/elasticsearch-sink.yaml's config, writing to its own index."""
        topic = topic or _topic(source)
        return {
            "connector.class": SINK_CLASS,
            "tasks.max": "1",
            "topics": topic,
            "external.resource.usage": "INDEX",
            "topic.to.external.resource.mapping": f"{topic}:{_index(name)}",
            "connection.url": self.es,
            "key.converter": JSON,
            "key.converter.schemas.enable": "true",
            "value.converter": JSON,
            "value.converter.schemas.enable": "true",
            "schema.ignore": "false",
            "transforms": "unwrap,key",
            "transforms.unwrap.type": UNWRAP,
            "transforms.unwrap.delete.tombstone.handling.mode": "tombstone",
            "transforms.key.type": EXTRACT_KEY,
            "transforms.key.field": "post_id",
            "key.ignore": "false",
            "behavior.on.null.values": "delete",
        }

    def plain_sink_config(self, name: str) -> dict[str, str]:
        """connectors.d/'s sink as it is (index = topic); for configs written and refused."""
        config = self.sink_config(name, STANDARD)
        del config["external.resource.usage"], config["topic.to.external.resource.mapping"]
        return config

    def proof_config(self, name: str, fixed: bool = False) -> dict[str, str]:
        proof = PROOFS[name]
        topic = proof.changes.get("topics")
        config = config_of(self.sink_config(name, proof.source, topic), proof.changes)
        return config_of(config, proof.fix) if fixed else config

    def tutorial(self, regex: str | None = None) -> dict[str, dict[str, str]]:
        """The tutorial's connectors as written, but for the endpoints and the MariaDB class."""
        out = {}
        for path in sorted(TUTORIAL.glob("*.yaml")):
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
            out[doc["name"]] = dict(doc["config"])
        source, sink = out["mydb-connector"], out["elasticsearch-sink"]
        assert self.stack.mariadb is not None
        source.update(
            {
                "connector.class": MARIADB_CLASS,
                "database.hostname": self.stack.mariadb.host,
                "database.port": str(self.stack.mariadb.port),
                "schema.history.internal.kafka.bootstrap.servers": self.stack.bootstrap,
            }
        )
        sink["connection.url"] = self.es
        if regex is not None:
            sink["topics.regex"] = regex
        return {f"tutorial-{name}": config for name, config in out.items()}

    def write(self, directory: Path, configs: dict[str, dict[str, str]]) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, config in configs.items():
            (directory / f"{name}.yaml").write_text(
                yaml.safe_dump({"name": name, "config": config}, sort_keys=False)
            )
        return directory

    def put(self, name: str, config: dict[str, str]) -> httpx.Response:
        return httpx.put(f"{self.stack.url}/connectors/{name}/config", json=config, timeout=120)

    def status(self, name: str) -> dict[str, Any]:
        r = httpx.get(f"{self.stack.url}/connectors/{name}/status", timeout=60)
        return r.json() if r.status_code == 200 else {}

    def wait_failed(self, name: str, timeout: float = 90) -> str:
        """The FAILED task's trace."""
        deadline = time.monotonic() + timeout
        status: dict[str, Any] = {}
        while time.monotonic() < deadline:
            status = self.status(name)
            for task in status.get("tasks", []):
                if task["state"] == "FAILED":
                    return str(task.get("trace", ""))
            time.sleep(0.5)
        raise AssertionError(f"{name}'s task did not fail in {timeout:.0f}s: {status}")

    def task_states(self, name: str) -> list[str]:
        return [t["state"] for t in self.status(name).get("tasks", [])]

    def sql(self, sql: str) -> list[list[str]]:
        assert self.stack.mariadb is not None
        return self.stack.mariadb.execute(sql, "mydb")

    def kconnect(self, *args: str) -> KResult:
        return run_kconnect(*args, url=self.stack.url, env=self.env)

    def docs(self, sink: str) -> Docs:
        return search(self.es, _index(sink)) or {}

    def wait_after_row(self, sink: str, timeout: float = 90) -> Docs:
        """The sink's documents once it has processed the row written after the delete (so
        the delete, earlier in the same partition, has been processed too)."""
        wait_docs(
            self.es,
            _index(sink),
            lambda d: any(_content(doc) == f"{self.marker} after" for doc in d.values()),
            timeout=timeout,
            what="the row written after the delete",
        )
        # The sink sends up to max.in.flight.requests bulk requests at once, so the delete may
        # complete just after the later row: let in-flight requests finish before a test says
        # a delete did not happen.
        time.sleep(1.5)
        return self.docs(sink)


def _content(doc: dict[str, Any]) -> Any:
    """A document's `content`, flattened or inside a Debezium envelope (`after`)."""
    if "content" in doc:
        return doc["content"]
    after = doc.get("after") or doc.get("payload", {}).get("after") or {}
    return after.get("content") if isinstance(after, dict) else None


ALL_NAMES = [
    *SOURCES,
    REFERENCE,
    *PROOFS,
    *REFUSED,
    "tutorial-mydb-connector",
    "tutorial-elasticsearch-sink",
]


@pytest.fixture(scope="module")
def rig(es_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    base = tmp_path_factory.mktemp("rules")
    env = es_stack.exports()
    env.pop("KCONNECT_URL")
    r = Rig(es_stack, base, env)
    # The tutorial's source writes mingle.mydb.post, as connectors.d/'s does: start it on an
    # empty topic so its sink sees only the tutorial's own records.
    es_stack.delete_topic("mingle.mydb.post")
    delete_index(r.es, "mingle.mydb.post")
    for name in [REFERENCE, *PROOFS]:
        delete_index(r.es, _index(name))
        created = httpx.put(f"{r.es}/{_index(name)}", timeout=60)
        assert created.status_code == 200, created.text
    yield r
    for name in ALL_NAMES:
        httpx.delete(f"{es_stack.url}/connectors/{name}", timeout=120)
    for name in [REFERENCE, *PROOFS]:
        delete_index(r.es, _index(name))
    delete_index(r.es, "mingle.mydb.post")
    for name, seconds in sorted(r.seconds.items()):
        print(f"rules pipeline: {name} {seconds:.1f}s")


def _validate(rig: Rig, configs: dict[str, dict[str, str]], name: str) -> dict[str, set[str]]:
    res = rig.kconnect("validate", str(rig.write(rig.dir / name, configs)), "-o", "json")
    problems = res.json["data"]["problems"]
    found: dict[str, set[str]] = {}
    for p in problems:
        found.setdefault(p.get("connector", ""), set()).add(p["rule"])
    return found


def test_validate_flags_every_bad_configuration(rig: Rig) -> None:
    sources = {name: rig.source_config(name) for name in SOURCES}
    bad = {name: rig.proof_config(name) for name in PROOFS}
    found = _validate(
        rig, {**sources, REFERENCE: rig.sink_config(REFERENCE, STANDARD), **bad}, "bad"
    )
    assert found.get(REFERENCE, set()) == set(), found
    for name, proof in PROOFS.items():
        blamed = proof.source if proof.on_source else name
        if proof.flagged:
            assert proof.rule in found.get(blamed, set()), (name, found.get(blamed))
    # The source with tombstones.on.delete=false is blamed only for the sink that keeps the
    # delete event: run it alone with the sink whose unwrap turns deletes into null values.
    alone = _validate(
        rig,
        {ODD: sources[ODD], "rules-no-tombstones": bad["rules-no-tombstones"]},
        "no-tombstones",
    )
    assert "deletes-lost" not in alone.get(ODD, set()) | alone.get("rules-no-tombstones", set())
    for name, (rule, changes, _) in REFUSED.items():
        config = config_of(rig.plain_sink_config(name), changes)
        got = _validate(rig, {**sources, name: config}, name)
        assert rule in got.get(name, set()), (name, got)
    # The tutorial, as written: each of its bugs is flagged before deploy.
    tutorial = _validate(rig, rig.tutorial(), "tutorial")
    assert {
        *TUTORIAL_PROVEN,
        "deletes-lost",
        "es-null-values-fail",
        "converter-mismatch",
        "envelope-not-unwrapped",
        "key/renamed",
    } <= tutorial["tutorial-elasticsearch-sink"], tutorial


def test_the_bad_configurations_run(rig: Rig) -> None:
    """Everything is created at once (REST, no validation), then one marker row is inserted,
    updated and deleted, and one more row written after it."""
    t0 = time.monotonic()
    for name in SOURCES:
        r = rig.put(name, rig.source_config(name))
        assert r.status_code in (200, 201), r.text
    for name, config in rig.tutorial().items():
        r = rig.put(name, config)
        assert r.status_code in (200, 201), r.text
    r = rig.put(REFERENCE, rig.sink_config(REFERENCE, STANDARD))
    assert r.status_code in (200, 201), r.text
    for name in PROOFS:
        r = rig.put(name, rig.proof_config(name))
        assert r.status_code in (200, 201), (name, r.text)
    wait_docs(rig.es, _index(REFERENCE), lambda d: {"1", "2", "3"} <= set(d), timeout=180)
    rig.seconds["create -> snapshot indexed"] = time.monotonic() - t0

    # The tutorial as written: its source's topic has data, its sink runs and indexes nothing.
    assert rig.stack.read_topic("mingle.mydb.post", max_messages=1, timeout_ms=60000)
    indices = httpx.get(f"{rig.es}/_cat/indices?format=json", timeout=30).json()
    rig.tutorial_as_written = {
        "states": rig.task_states("tutorial-elasticsearch-sink"),
        "indices": sorted(
            i["index"] for i in indices if i["index"].startswith(("mingle", "mysql"))
        ),
    }
    # The tutorial with its regex fixed (everything else as written) reads from the start.
    for name, config in rig.tutorial(regex=r"mingle\.mydb\..*").items():
        if name.endswith("sink"):
            assert rig.put(name, config).status_code == 200

    rig.marker = f"rules marker {time.time_ns()}"
    rig.sql(f"INSERT INTO post (author_id, content) VALUES (1, '{rig.marker}')")
    rig.marker_id = rig.sql(f"SELECT post_id FROM post WHERE content = '{rig.marker}'")[0][0]
    wait_docs(rig.es, _index(REFERENCE), lambda d: rig.marker_id in d, timeout=60)
    rig.sql(f"UPDATE post SET content = '{rig.marker} edited' WHERE post_id = {rig.marker_id}")
    wait_docs(
        rig.es,
        _index(REFERENCE),
        lambda d: _content(d.get(rig.marker_id, {})) == f"{rig.marker} edited",
        timeout=60,
    )
    rig.sql(f"DELETE FROM post WHERE post_id = {rig.marker_id}")
    rig.sql(f"INSERT INTO post (author_id, content) VALUES (2, '{rig.marker} after')")
    rig.after_id = rig.sql(f"SELECT post_id FROM post WHERE content = '{rig.marker} after'")[0][0]
    wait_docs(
        rig.es,
        _index(REFERENCE),
        lambda d: rig.marker_id not in d and rig.after_id in d,
        timeout=90,
        what="the delete and the row after it",
    )
    rig.seconds["marker insert/update/delete"] = time.monotonic() - t0


# --- the task fails, as the rule says ------------------------------------------------------


def test_es_struct_key_fails_the_task(rig: Rig) -> None:
    trace = rig.wait_failed("rules-struct-key")
    assert "STRUCT is not supported as the document id" in trace, trace[:2000]
    assert rig.docs("rules-struct-key") == {}


def test_es_null_values_fail_stops_the_task_on_the_first_delete(rig: Rig) -> None:
    trace = rig.wait_failed("rules-null-fail")
    assert "has a null value" in trace, trace[:2000]
    # Everything before the tombstone was indexed, the delete was not.
    docs = rig.docs("rules-null-fail")
    assert {"1", "2", "3", rig.marker_id} <= set(docs), sorted(docs)


def test_es_schemaless_mapping_fails_the_task(rig: Rig) -> None:
    trace = rig.wait_failed("rules-schemaless")
    assert "Cannot infer mapping without schema" in trace, trace[:2000]


def test_converter_mismatch_schemas_expected_fails_the_task(rig: Rig) -> None:
    trace = rig.wait_failed("rules-converter")
    assert 'JsonConverter with schemas.enable requires "schema" and "payload"' in trace, trace[
        :2000
    ]


# --- deletes never remove the document -----------------------------------------------------


def test_deletes_lost_with_key_ignore(rig: Rig) -> None:
    docs = rig.wait_after_row("rules-key-ignore")
    marker_docs = {i: d for i, d in docs.items() if str(_content(d)).startswith(rig.marker)}
    # Ids are topic+partition+offset: the insert and the update are two documents, and the
    # delete removed neither.
    assert {_content(d) for d in marker_docs.values()} >= {rig.marker, f"{rig.marker} edited"}
    assert all("+" in i for i in marker_docs), sorted(marker_docs)
    assert rig.task_states("rules-key-ignore") == ["RUNNING"]


def test_deletes_lost_with_rewrite(rig: Rig) -> None:
    docs = rig.wait_after_row("rules-rewrite")
    assert rig.marker_id in docs, sorted(docs)
    assert docs[rig.marker_id].get("__deleted") == "true", docs[rig.marker_id]


def test_deletes_lost_with_null_values_ignore(rig: Rig) -> None:
    docs = rig.wait_after_row("rules-null-ignore")
    assert _content(docs[rig.marker_id]) == f"{rig.marker} edited"
    assert rig.task_states("rules-null-ignore") == ["RUNNING"]


def test_no_source_tombstones_still_delete_through_the_default_unwrap(rig: Rig) -> None:
    docs = rig.wait_after_row("rules-no-tombstones")
    assert rig.marker_id not in docs, docs.get(rig.marker_id)
    assert {"1", "2", "3", rig.after_id} <= set(docs)


def test_deletes_lost_without_tombstones_when_the_delete_event_is_kept(rig: Rig) -> None:
    docs = rig.wait_after_row("rules-no-tombstones-kept")
    assert docs[rig.marker_id].get("__deleted") == "true", docs[rig.marker_id]


# --- what the documents hold ---------------------------------------------------------------


def test_envelope_not_unwrapped_indexes_the_envelope(rig: Rig) -> None:
    docs = rig.wait_after_row("rules-envelope")
    first = docs["1"]
    assert set(first) >= {"before", "after", "source", "op"}, first
    assert first["after"]["post_id"] == 1 and first["op"] == "r", first


def test_es_time_precision_maps_dates_as_numbers(rig: Rig) -> None:
    rig.wait_after_row("rules-time")
    fields = mapping(rig.es, _index("rules-time"))
    assert fields["created_at"]["type"] == "long", fields
    reference = mapping(rig.es, _index(REFERENCE))
    assert reference["created_at"]["type"] == "date", reference


def test_es_composite_key_shares_document_ids(rig: Rig) -> None:
    docs = rig.wait_after_row("rules-composite")
    authors = {r[0] for r in rig.sql("SELECT DISTINCT author_id FROM post")}
    # One document per author: posts 1 and 3 (both by author 1) share the id "1".
    assert set(docs) <= authors | {"1"}, sorted(docs)
    contents = {_content(d) for d in docs.values()}
    assert "Hello from MySQL: this row reaches Elasticsearch through Debezium and Kafka." not in (
        contents
    )
    # With the composite key reduced to a unique column, every row keeps its document.
    unique = rig.wait_after_row("rules-composite-unique")
    assert {"1", "2", "3", rig.after_id} <= set(unique)


def test_topics_unmatched_never_indexes(rig: Rig) -> None:
    rig.wait_after_row(REFERENCE)
    assert rig.task_states("rules-topic-typo") == ["RUNNING"]
    assert search(rig.es, _index("rules-topic-typo")) == {}


# --- the sink's own validator refuses these when written -----------------------------------


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_sink_validator_refuses(rig: Rig, name: str) -> None:
    _, changes, key = REFUSED[name]
    r = rig.put(name, config_of(rig.plain_sink_config(name), changes))
    assert r.status_code == 400, r.text
    message = r.json()["message"]
    assert key in message, message


# --- the tutorial --------------------------------------------------------------------------


def test_tutorial_as_written_then_with_its_regex_fixed(rig: Rig) -> None:
    sink = "tutorial-elasticsearch-sink"
    # As written (mysql\.mydb\..*): running, and no index, while mingle.mydb.post had data.
    assert rig.tutorial_as_written == {"states": ["RUNNING"], "indices": []}
    # With the regex fixed: value.converter.schemas.enable=false reads the topic (written with
    # schemas) as plain maps of the JSON envelope, `schema.ignore: true` indexes them as they
    # are, and Elasticsearch rejects those documents: the task dies, nothing is indexed.
    trace = rig.wait_failed(sink, timeout=120)
    assert "Indexing record failed" in trace, trace[:2000]
    assert search(rig.es, "mingle.mydb.post") == {}
    # What its key.ignore: true does to updates and deletes shows where the records can be
    # indexed: test_deletes_lost_with_key_ignore (an update is a second document, the delete
    # removes nothing).


# --- the fixes, applied by kconnect ------------------------------------------------------


def test_fixes_applied_by_kconnect_bring_the_documents(rig: Rig) -> None:
    fixed = {name: rig.proof_config(name, fixed=True) for name, p in PROOFS.items() if p.fix}
    sources = {name: rig.source_config(name) for name in SOURCES}
    directory = rig.write(rig.dir / "fixed", {**sources, **fixed})
    t0 = time.monotonic()
    res = rig.kconnect("apply", str(directory), "--yes", "--wait", "--timeout", "240")
    assert res.exit_code == 0, res.describe()
    struct = rig.wait_after_row("rules-struct-key")
    assert {"1", "2", "3", rig.after_id} <= set(struct) and rig.marker_id not in struct
    null_fail = rig.wait_after_row("rules-null-fail")
    assert rig.marker_id not in null_fail  # the tombstone that killed it now deletes
    schemaless = rig.wait_after_row("rules-schemaless")
    assert "after" in schemaless[next(iter(schemaless))]  # schemaless: still the envelope
    rig.wait_after_row("rules-converter")
    rig.seconds["fixes applied -> documents"] = time.monotonic() - t0
    for name in fixed:
        assert rig.task_states(name) == ["RUNNING"], (name, rig.status(name))


def test_status_reports_the_failed_sinks(rig: Rig) -> None:
    res = rig.kconnect("status", "tutorial-elasticsearch-sink", "-o", "json")
    assert res.exit_code == 3, res.describe()
    (connector,) = res.json["data"]["connectors"]
    assert [t["state"] for t in connector["tasks"]] == ["FAILED"], connector
