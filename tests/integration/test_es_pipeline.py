"""The seed pipeline for real: MariaDB → Debezium → Kafka → the Confluent Elasticsearch sink →
Elasticsearch, on the test stack started with Elasticsearch (`es_stack`).

Skipped, with the reason, where `../shared/elasticsearch-sink` (the sink's source) is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests.stack.elasticsearch import SINK_CLASS
from tests.stack.stack import DB_WRITER, DB_WRITER_PASSWORD, Stack

pytestmark = [pytest.mark.integration, pytest.mark.elasticsearch]


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
