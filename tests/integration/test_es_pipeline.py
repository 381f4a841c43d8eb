"""The seed pipeline for real: MariaDB → Debezium → Kafka → the Confluent Elasticsearch sink →
Elasticsearch, on the test stack started with Elasticsearch (`es_stack`).

Skipped, with the reason, where `../shared/elasticsearch-sink` (the sink's source) is missing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from tests.integration.es import delete_index, mapping, search, wait_docs
from tests.stack.cli import KResult, run_kconnect
from tests.stack.elasticsearch import SINK_CLASS
from tests.stack.stack import DB_WRITER, DB_WRITER_PASSWORD, Stack

pytestmark = [pytest.mark.integration, pytest.mark.elasticsearch]


REPO = Path(__file__).resolve().parents[2]
CONNECTORS_D = REPO / "connectors.d"
MYSQL_CLASS = "io.debezium.connector.mysql.MySqlConnector"
MARIADB_CLASS = "io.debezium.connector.mariadb.MariaDbConnector"
SOURCE, SINK = "mydb-connector", "elasticsearch-sink"
INDEX = "mingle.mydb.post"  # the sink's index: the topic name
INIT_ROWS = {  # docker/mysql/init.sql
    "1": (1, "Hello from MySQL: this row reaches Elasticsearch through Debezium and Kafka."),
    "2": (2, "Connectors as code: validate, plan, apply."),
    "3": (1, "Updates overwrite the document, deletes remove it."),
}


def test_stack_runs_elasticsearch_and_the_sink(es_stack: Stack) -> None:
    assert es_stack.elasticsearch_url
    root = httpx.get(es_stack.elasticsearch_url, timeout=30).json()
    assert root["version"]["number"] == "8.7.1", root
    health = httpx.get(f"{es_stack.elasticsearch_url}/_cluster/health", timeout=30).json()
    assert health["status"] in ("green", "yellow"), health
    for url in es_stack.urls:
        plugins = httpx.get(f"{url}/connector-plugins", timeout=30).json()
        sink = [p for p in plugins if p["class"] == SINK_CLASS]
        assert sink and sink[0]["version"] == "15.1.0", plugins
    # The server runs unprivileged, in its own process group, and is known by PID.
    pid = es_stack.pids()["elasticsearch"]
    status = Path(f"/proc/{pid}/status").read_text()
    uid = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
    assert uid != "0", status
    assert os.getpgid(pid) == pid


def test_mariadb_runs_the_compose_schema(es_stack: Stack) -> None:
    """The stack's MariaDB ran docker/mysql/init.sql: DATETIME columns and its three rows; the
    writer account may change mydb.post."""
    db = es_stack.mariadb
    assert db is not None
    types = {row[0]: row[1] for row in db.execute("SHOW COLUMNS FROM mydb.post")}
    assert types["created_at"] == "datetime" and types["updated_at"] == "datetime", types
    contents = [r[0] for r in db.execute("SELECT content FROM mydb.post ORDER BY post_id")]
    assert contents[:3] == [
        "Hello from MySQL: this row reaches Elasticsearch through Debezium and Kafka.",
        "Connectors as code: validate, plan, apply.",
        "Updates overwrite the document, deletes remove it.",
    ]
    rows = db.execute_as_user(
        "SELECT COUNT(*) FROM mydb.post", user=DB_WRITER, password=DB_WRITER_PASSWORD
    )
    assert int(rows[0][0]) >= 3


# --- connectors.d/ for real ------------------------------------------------------------------


@dataclass
class Seed:
    stack: Stack
    dir: Path
    env: dict[str, str]

    @property
    def es(self) -> str:
        assert self.stack.elasticsearch_url
        return self.stack.elasticsearch_url

    def kconnect(self, *args: str, timeout: float = 600) -> KResult:
        return run_kconnect(*args, url=self.stack.url, env=self.env, timeout=timeout)

    def write_sql(self, sql: str) -> list[list[str]]:
        """As the stack's writer account (KCONNECT_STACK_MARIADB_USER), as a user would."""
        assert self.stack.mariadb is not None
        return self.stack.mariadb.execute_as_user(
            sql,
            "mydb",
            user=self.env["KCONNECT_STACK_MARIADB_USER"],
            password=self.env["KCONNECT_STACK_MARIADB_PASSWORD"],
        )


def _load(path: Path) -> dict[str, object]:
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert isinstance(doc, dict)
    return doc


@pytest.fixture(scope="module")
def seed(es_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seed]:
    """connectors.d/ as it is, pointed at the stack by the variables `up` exports; the stack
    runs MariaDB (Debian has no MySQL server), so the source uses Debezium's MariaDB class."""
    directory = tmp_path_factory.mktemp("connectors.d")
    (directory / f"{SINK}.yaml").write_text((CONNECTORS_D / f"{SINK}.yaml").read_text())
    source = (CONNECTORS_D / f"{SOURCE}.yaml").read_text()
    assert source.count(f"connector.class: {MYSQL_CLASS}\n") == 1
    (directory / f"{SOURCE}.yaml").write_text(
        source.replace(f"connector.class: {MYSQL_CLASS}\n", f"connector.class: {MARIADB_CLASS}\n")
    )
    env = es_stack.exports()
    env.pop("KCONNECT_URL")
    yield Seed(es_stack, directory, env)
    for name in (SOURCE, SINK):
        httpx.delete(f"{es_stack.url}/connectors/{name}", timeout=120)
    delete_index(es_stack.elasticsearch_url or "", INDEX)


def test_the_source_differs_from_connectors_d_only_in_its_class(seed: Seed) -> None:
    ours = _load(seed.dir / f"{SOURCE}.yaml")
    theirs = _load(CONNECTORS_D / f"{SOURCE}.yaml")
    ours_config, theirs_config = ours.pop("config"), theirs.pop("config")
    assert isinstance(ours_config, dict) and isinstance(theirs_config, dict)
    assert ours == theirs
    differs = {
        k
        for k in ours_config.keys() | theirs_config.keys()
        if ours_config.get(k) != theirs_config.get(k)
    }
    assert differs == {"connector.class"}
    assert theirs_config["connector.class"] == MYSQL_CLASS
    assert ours_config["connector.class"] == MARIADB_CLASS
    assert (seed.dir / f"{SINK}.yaml").read_text() == (CONNECTORS_D / f"{SINK}.yaml").read_text()


def test_validate_then_apply_wait(seed: Seed) -> None:
    validated = seed.kconnect("validate", str(seed.dir))
    assert validated.exit_code == 0, validated.describe()
    assert "0 error(s), 0 warning(s)" in validated.stdout, validated.describe()
    t0 = time.monotonic()
    applied = seed.kconnect("apply", str(seed.dir), "--yes", "--wait", "--timeout", "240")
    assert applied.exit_code == 0, applied.describe()
    print(f"\napply --wait took {time.monotonic() - t0:.1f}s")
    # The host and password reach the worker as the stack's host and an unresolved reference.
    config = httpx.get(f"{seed.stack.url}/connectors/{SOURCE}/config", timeout=60).json()
    assert config["database.hostname"] == seed.env["MYSQL_HOST"]
    assert config["database.port"] == seed.env["MYSQL_PORT"]
    assert config["database.password"] == "${env:MYSQL_DEBEZIUM_PASSWORD}"
    sink = httpx.get(f"{seed.stack.url}/connectors/{SINK}/config", timeout=60).json()
    assert sink["connection.url"] == seed.env["ELASTICSEARCH_URL"]


def test_init_sql_rows_are_documents_with_a_date_mapping(seed: Seed, record_property) -> None:
    t0 = time.monotonic()
    docs = wait_docs(
        seed.es, INDEX, lambda d: set(INIT_ROWS) <= set(d), timeout=120, what="init.sql's rows"
    )
    record_property("snapshot_to_searchable_seconds", round(time.monotonic() - t0, 2))
    for post_id, (author, content) in INIT_ROWS.items():
        doc = docs[post_id]
        assert doc["post_id"] == int(post_id) and doc["author_id"] == author, doc
        assert doc["content"] == content, doc
        # Flattened row, not the Debezium envelope.
        assert "before" not in doc and "after" not in doc and "op" not in doc, doc
    fields = mapping(seed.es, INDEX)
    assert fields["created_at"]["type"] == "date", fields
    assert fields["updated_at"]["type"] == "date", fields
    assert fields["post_id"]["type"] == "integer", fields
    assert fields["content"]["type"] == "text", fields


def test_insert_update_delete_show_up_in_the_index(seed: Seed, record_property) -> None:
    marker = f"from the writer account {time.time_ns()}"
    t0 = time.monotonic()
    seed.write_sql(f"INSERT INTO post (author_id, content) VALUES (7, '{marker}')")
    docs = wait_docs(
        seed.es,
        INDEX,
        lambda d: any(doc.get("content") == marker for doc in d.values()),
        timeout=60,
        what="the inserted row",
    )
    insert_s = time.monotonic() - t0
    post_id = next(i for i, doc in docs.items() if doc.get("content") == marker)
    assert docs[post_id]["author_id"] == 7
    # created_at is a date: a range query in ES date syntax finds the new document.
    r = httpx.post(
        f"{seed.es}/{INDEX}/_search",
        json={
            "query": {
                "bool": {
                    "filter": [
                        {"ids": {"values": [post_id]}},
                        {"range": {"created_at": {"gte": "now-1d/d", "lte": "now+1d/d"}}},
                    ]
                }
            }
        },
        timeout=30,
    )
    assert r.json()["hits"]["total"]["value"] == 1, r.text

    t0 = time.monotonic()
    seed.write_sql(f"UPDATE post SET content = '{marker} (edited)' WHERE post_id = {post_id}")
    wait_docs(
        seed.es,
        INDEX,
        lambda d: d.get(post_id, {}).get("content") == f"{marker} (edited)",
        timeout=60,
        what="the update",
    )
    update_s = time.monotonic() - t0

    t0 = time.monotonic()
    seed.write_sql(f"DELETE FROM post WHERE post_id = {post_id}")
    wait_docs(seed.es, INDEX, lambda d: post_id not in d, timeout=60, what="the delete")
    delete_s = time.monotonic() - t0
    for name, seconds in (("insert", insert_s), ("update", update_s), ("delete", delete_s)):
        record_property(f"sql_to_searchable_{name}_seconds", round(seconds, 2))
    print(
        f"\nSQL -> searchable in Elasticsearch: insert {insert_s:.2f}s, "
        f"update {update_s:.2f}s, delete {delete_s:.2f}s"
    )
    # The other documents are untouched.
    docs = search(seed.es, INDEX) or {}
    assert set(INIT_ROWS) <= set(docs)


def test_status_is_healthy(seed: Seed) -> None:
    res = seed.kconnect("status", SOURCE, SINK)
    assert res.exit_code == 0, res.describe()
    assert "RUNNING" in res.stdout
