"""The real stack itself: both workers answer, the plugins are there, MariaDB is usable.

Plain httpx only, so these pass or fail independently of the kconnect CLI."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from tests.stack.stack import Stack

pytestmark = pytest.mark.integration


def test_both_workers_answer(real_stack: Stack) -> None:
    assert len(real_stack.urls) == 2
    assert real_stack.url == real_stack.urls[0]
    cluster_ids = set()
    for url in real_stack.urls:
        root = httpx.get(f"{url}/", timeout=30)
        assert root.status_code == 200, root.text
        body = root.json()
        assert body["version"].startswith("4."), body
        cluster_ids.add(body["kafka_cluster_id"])
        conns = httpx.get(f"{url}/connectors", timeout=30)
        assert conns.status_code == 200, conns.text
        assert isinstance(conns.json(), list)
    assert len(cluster_ids) == 1, "both workers must use the same Kafka cluster"


@pytest.mark.parametrize("index", [0, 1])
def test_plugins_listed(real_stack: Stack, index: int) -> None:
    r = httpx.get(f"{real_stack.urls[index]}/connector-plugins", timeout=30)
    assert r.status_code == 200, r.text
    classes = {p["class"] for p in r.json()}
    for expected in (
        "io.debezium.connector.mariadb.MariaDbConnector",
        "io.debezium.connector.mysql.MySqlConnector",
        "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "org.apache.kafka.connect.file.FileStreamSourceConnector",
    ):
        assert expected in classes, (
            f"{expected} missing from {sorted(classes)}; logs in {real_stack.log_dir}"
        )


def test_debezium_transform_available(real_stack: Stack) -> None:
    r = httpx.get(
        f"{real_stack.url}/connector-plugins", params={"connectorsOnly": "false"}, timeout=30
    )
    assert r.status_code == 200, r.text
    classes = {p["class"] for p in r.json()}
    assert "io.debezium.transforms.ExtractNewRecordState" in classes


def test_one_cluster_write_on_one_worker_visible_on_the_other(real_stack: Stack) -> None:
    """A connector created through worker 1 is seen by worker 2, runs, and feeds its topic."""
    name = f"smoke-{uuid.uuid4().hex[:8]}"
    topic = f"{name}-topic"
    source = real_stack.sink_file(f"{name}.in")
    source.write_text("alpha\nbeta\ngamma\n")
    config = {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "tasks.max": "1",
        "topic": topic,
        "file": str(source),
    }
    w1, w2 = real_stack.urls
    with httpx.Client(timeout=120) as client:
        r = client.put(f"{w1}/connectors/{name}/config", json=config)
        assert r.status_code == 201, r.text
        try:
            deadline = time.monotonic() + 60
            state = None
            while time.monotonic() < deadline:
                s = client.get(f"{w2}/connectors/{name}/status")
                if s.status_code == 200:
                    state = s.json()
                    if state["connector"]["state"] == "RUNNING" and [
                        t["state"] for t in state["tasks"]
                    ] == ["RUNNING"]:
                        break
                time.sleep(0.5)
            assert state and state["tasks"] and state["tasks"][0]["state"] == "RUNNING", state
            got = client.get(f"{w2}/connectors/{name}/config").json()
            assert got == {**config, "name": name}

            messages = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(messages) < 3:
                messages = real_stack.read_topic(topic, max_messages=3, timeout_ms=10000)
            payloads = [json.loads(m)["payload"] for m in messages]
            assert payloads == ["alpha", "beta", "gamma"]
        finally:
            d = client.delete(f"{w2}/connectors/{name}")
            assert d.status_code == 204, d.text


def test_mariadb_ready_for_debezium(real_stack: Stack) -> None:
    db = real_stack.mariadb
    assert db is not None
    variables = {
        row[0].lower(): row[1]
        for row in db.execute(
            "SHOW GLOBAL VARIABLES WHERE Variable_name IN "
            "('binlog_format','binlog_row_image','log_bin','log_bin_compress','server_id')"
        )
    }
    assert variables == {
        "binlog_format": "ROW",
        "binlog_row_image": "FULL",
        "log_bin": "ON",
        "log_bin_compress": "OFF",
        "server_id": str(db.server_id),
    }
    columns = [row[0] for row in db.execute("SHOW COLUMNS FROM mydb.post")]
    assert columns == ["post_id", "author_id", "content", "created_at", "updated_at"]
    grants = " ".join(r[0] for r in db.execute_as_user("SHOW GRANTS FOR CURRENT_USER"))
    for priv in ("SELECT", "RELOAD", "SHOW DATABASES", "REPLICATION SLAVE"):
        assert priv in grants, grants
    assert "BINLOG MONITOR" in grants or "REPLICATION CLIENT" in grants, grants
