"""Tests of FakeConnect itself: fault injection, state helpers, version differences.

The REST behaviour shared with a real worker is pinned in tests/contract; these tests cover
what only the fake has (injection, arranging state) and the version-dependent answers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.fakeconnect import (
    REBALANCE_EXPECTED_MESSAGE,
    REBALANCE_LEADER_MESSAGE,
    WORKER_ID,
    FakeConfigKey,
    FakeConnect,
    FakePlugin,
    OneOf,
)

SOURCE = {
    "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
    "topic": "t",
}
SINK = {
    "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
    "topics": "t",
    "tasks.max": "3",
}


@pytest.fixture
def http(fake: FakeConnect) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, timeout=10) as c:
        yield c


def _fake_client(version: str) -> tuple[FakeConnect, httpx.Client]:
    fake = FakeConnect(version=version).start()
    return fake, httpx.Client(base_url=fake.url, timeout=10)


@pytest.fixture
def old() -> Iterator[tuple[FakeConnect, httpx.Client]]:
    fake, client = _fake_client("3.9.0")
    with client:
        yield fake, client
    fake.stop()


# -- fault injection ---------------------------------------------------------------------------


def test_inject_409_twice_then_success(fake: FakeConnect, http: httpx.Client) -> None:
    fake.inject(method="PUT", path=r"/connectors/a/config", status=409, message="busy", times=2)
    for _ in range(2):
        resp = http.put("/connectors/a/config", json=SOURCE)
        assert resp.status_code == 409
        assert resp.json() == {"error_code": 409, "message": "busy"}
        assert fake.connector_config("a") is None
    assert http.put("/connectors/a/config", json=SOURCE).status_code == 201
    assert fake.connector_config("a") == {**SOURCE, "name": "a"}
    assert [r.method for r in fake.writes()] == ["PUT"] * 3


def test_inject_only_matches_method_and_full_path(fake: FakeConnect, http: httpx.Client) -> None:
    fake.inject(method="DELETE", path=r"/connectors/a", status=500, message="x")
    fake.add_connector("a", SOURCE)
    assert http.get("/connectors/a").status_code == 200  # other method
    assert http.delete("/connectors/ab").status_code == 404  # fullmatch only
    assert http.delete("/connectors/a").status_code == 500
    assert http.delete("/connectors/a").status_code == 204  # times=1 is used up


def test_apply_anyway_performs_the_write(fake: FakeConnect, http: httpx.Client) -> None:
    fake.inject(method="PUT", status=500, message="Request timed out", apply_anyway=True)
    resp = http.put("/connectors/a/config", json=SOURCE)
    assert resp.status_code == 500
    assert resp.json()["message"] == "Request timed out"
    assert fake.connector_state("a") == "RUNNING"


def test_reset_connection(fake: FakeConnect, http: httpx.Client) -> None:
    fake.inject(method="PUT", reset_connection=True)
    with pytest.raises(httpx.TransportError):
        http.put("/connectors/a/config", json=SOURCE)
    assert fake.connector_config("a") is None

    fake.inject(method="PUT", reset_connection=True, apply_anyway=True)
    with pytest.raises(httpx.TransportError):
        http.put("/connectors/b/config", json=SOURCE)
    assert fake.connector_config("b") is not None
    assert http.get("/connectors/b").status_code == 200  # the client reconnects fine


def test_latency_and_delay(fake: FakeConnect, http: httpx.Client) -> None:
    fake.latency = 0.2
    start = time.monotonic()
    http.get("/")
    assert time.monotonic() - start >= 0.2
    fake.latency = 0.0
    fake.inject(path="/", delay=0.2)
    start = time.monotonic()
    assert http.get("/").status_code == 200  # a delay alone still answers normally
    assert time.monotonic() - start >= 0.2
    start = time.monotonic()
    http.get("/")
    assert time.monotonic() - start < 0.2


def test_rebalance(fake: FakeConnect, http: httpx.Client) -> None:
    fake.add_connector("a", SOURCE)
    fake.start_rebalance(2)
    for path in ("/connectors/a", "/connectors/a/config", "/connectors/a/tasks"):
        resp = http.get(path)
        assert resp.status_code == 500
        assert resp.json()["message"] == REBALANCE_EXPECTED_MESSAGE
    assert http.get("/connectors/a/status").status_code == 200
    assert http.get("/connectors").status_code == 200
    assert http.put("/connectors/a/pause").status_code == 202  # any worker writes target state

    resp = http.put("/connectors/a/config", json=SOURCE)
    assert resp.status_code == 409
    assert resp.json() == {"error_code": 409, "message": REBALANCE_LEADER_MESSAGE}
    assert http.post("/connectors/a/restart").status_code == 409
    # The rebalance is over.
    assert http.put("/connectors/a/config", json=SOURCE).status_code == 200
    assert http.get("/connectors/a/config").status_code == 200


def test_unreachable(fake: FakeConnect, http: httpx.Client) -> None:
    fake.add_connector("a", SOURCE)
    assert http.get("/connectors").status_code == 200
    fake.set_unreachable(True)
    with pytest.raises(httpx.TransportError):
        http.get("/connectors")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{fake.url}/connectors", timeout=2)
    fake.set_unreachable(False)
    assert http.get("/connectors").json() == ["a"]


# -- recorded requests and arranged state --------------------------------------------------------


def test_requests_are_recorded(fake: FakeConnect, http: httpx.Client) -> None:
    http.put("/connectors/my%20conn/config", json={**SOURCE, "tasks.max": 1})
    http.get("/connectors", params=[("expand", "status"), ("expand", "info")])
    put, get = fake.requests
    assert put.method == "PUT"
    assert put.path == "/connectors/my conn/config"
    assert put.body == {**SOURCE, "tasks.max": 1}
    assert put.headers["content-type"] == "application/json"
    assert get.query == {"expand": ["status", "info"]}
    assert get.body is None
    assert fake.writes() == [put]
    fake.clear_requests()
    assert fake.requests == []
    assert fake.connector_config("my conn")["tasks.max"] == "1"


def test_status_of_arranged_connectors(fake: FakeConnect, http: httpx.Client) -> None:
    fake.add_connector("sink", SINK)
    fake.add_connector("paused", SOURCE, state="PAUSED")
    fake.add_connector("stopped", SOURCE, state="STOPPED")
    fake.fail_task("sink", 1, trace="java.lang.IllegalStateException: x\n\tat a.b(C.java:1)")
    fake.unassign_task("sink", 2)

    status = http.get("/connectors/sink/status").json()
    assert status["type"] == "sink"
    assert status["connector"] == {"state": "RUNNING", "worker_id": WORKER_ID, "version": "4.3.0"}
    assert [t["state"] for t in status["tasks"]] == ["RUNNING", "FAILED", "UNASSIGNED"]
    assert status["tasks"][1]["trace"].startswith("java.lang.IllegalStateException: x\n\tat")
    assert "trace" not in status["tasks"][0]

    assert http.get("/connectors/paused/status").json()["connector"]["state"] == "PAUSED"
    assert http.get("/connectors/stopped/status").json()["tasks"] == []

    resp = http.post("/connectors/sink/restart?includeTasks=true&onlyFailed=true")
    assert resp.status_code == 202
    assert resp.json()["connector"]["state"] == "RUNNING"
    assert [t["state"] for t in resp.json()["tasks"]] == ["RUNNING", "RESTARTING", "UNASSIGNED"]
    assert fake.task_states("sink") == ["RUNNING", "RUNNING", "UNASSIGNED"]

    fake.fail_connector("sink")
    assert http.get("/connectors/sink/status").json()["connector"]["state"] == "FAILED"
    assert http.post("/connectors/sink/restart").status_code == 204
    assert fake.connector_state("sink") == "RUNNING"


def test_put_counts_as_a_write_and_keeps_failed_tasks_when_unchanged(
    fake: FakeConnect, http: httpx.Client
) -> None:
    fake.add_connector("s", SINK)
    fake.fail_task("s", 0)
    resp = http.put("/connectors/s/config", json=SINK)
    assert resp.status_code == 200
    assert resp.json()["tasks"] == [{"connector": "s", "task": i} for i in range(3)]
    assert len(fake.writes()) == 1
    assert fake.task_states("s")[0] == "FAILED"  # same task configs: tasks not restarted
    http.put("/connectors/s/config", json={**SINK, "tasks.max": "1"})
    assert fake.task_states("s") == ["RUNNING"]


def test_debezium_single_task_only(fake: FakeConnect) -> None:
    fake.add_connector(
        "dbz", {"connector.class": "io.debezium.connector.mysql.MySqlConnector", "tasks.max": "2"}
    )
    assert fake.connector_state("dbz") == "FAILED"


# -- endpoint details ------------------------------------------------------------------------------


def test_patch_config(fake: FakeConnect, http: httpx.Client) -> None:
    fake.add_connector("a", {**SOURCE, "batch.size": "5"})
    resp = http.patch("/connectors/a/config", json={"batch.size": None, "file": "/x"})
    assert resp.status_code == 200
    assert fake.connector_config("a") == {**SOURCE, "name": "a", "file": "/x"}
    assert http.patch("/connectors/zz/config", json={}).json() == {
        "error_code": 404,
        "message": "Connector zz not found",
    }
    assert http.patch("/connectors/a/config", json={"topic": ""}).status_code == 400


def test_validate_definitions_and_errors(fake: FakeConnect, http: httpx.Client) -> None:
    resp = http.put(
        "/connector-plugins/ElasticsearchSinkConnector/config/validate",
        json={
            "connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
            "name": "es",
            "connection.password": "pw",
            "behavior.on.null.values": "nope",
            "x.unknown": "1",
        },
    )
    infos = resp.json()
    by_name = {c["value"]["name"]: c for c in infos["configs"]}
    assert "x.unknown" not in by_name
    assert by_name["connection.password"]["value"]["value"] == "[hidden]"
    assert by_name["connection.url"]["value"]["errors"] == [
        'Missing required configuration "connection.url" which has no default value.'
    ]
    assert by_name["behavior.on.null.values"]["value"]["errors"] == [
        "Invalid value nope for configuration behavior.on.null.values: "
        "String must be one of (case insensitive): IGNORE, DELETE, FAIL"
    ]
    assert by_name["topics"]["value"]["errors"] == ["Must configure one of topics or topics.regex"]
    assert infos["error_count"] == 4  # connection.url, the enum, topics and topics.regex
    assert "order_in_group" in by_name["topics"]["definition"]
    assert infos["groups"][:4] == ["Common", "Transforms", "Predicates", "Error Handling"]

    resp = http.put(
        "/connector-plugins/FileStreamSource/config/validate",
        json={**SOURCE, "name": "n", "x.null": None},
    )
    null_entry = resp.json()["configs"][0]  # listed first, as a real worker does
    assert null_entry["definition"] is None
    assert null_entry["value"]["errors"] == [
        "Null value can not be supplied as the configuration value."
    ]


def test_create_error_messages(fake: FakeConnect, http: httpx.Client) -> None:
    resp = http.put("/connectors/a/config", json={"connector.class": SOURCE["connector.class"]})
    assert resp.status_code == 400
    assert resp.json()["message"] == (
        "Connector configuration is invalid and contains the following 1 error(s):\n"
        'Missing required configuration "topic" which has no default value.\n'
        "You can also find the above list of errors at the endpoint "
        "`/connector-plugins/{connectorType}/config/validate`"
    )
    resp = http.put("/connectors/a/config", json={"topic": "t"})
    assert resp.json() == {
        "error_code": 400,
        "message": "Connector config {name=a, topic=t} contains no connector type",
    }
    resp = http.put("/connectors/a/config", json={"connector.class": "com.nope.X"})
    assert resp.status_code == 400
    assert resp.json()["message"].startswith(
        "Failed to find any class that implements Connector and which name matches com.nope.X"
    )
    resp = http.post("/connectors", json={"name": "", "config": SOURCE})
    assert "Invalid value  for configuration name: String may not be empty" in resp.text
    resp = http.post("/connectors", json={"name": "a", "config": SOURCE, "initial_state": "bogus"})
    assert resp.status_code == 500
    assert "InitialState.BOGUS" in resp.json()["message"]


def test_sink_offsets(fake: FakeConnect, http: httpx.Client) -> None:
    fake.add_connector("s", SINK, state="STOPPED")
    fake.set_offsets(
        "s",
        [{"partition": {"kafka_topic": "t", "kafka_partition": 0}, "offset": {"kafka_offset": 3}}],
    )
    assert http.get("/connectors/s/offsets").json()["offsets"][0]["offset"] == {"kafka_offset": 3}
    bad = {"offsets": [{"partition": {"topic": "t"}, "offset": {"kafka_offset": 1}}]}
    resp = http.patch("/connectors/s/offsets", json=bad)
    assert resp.json() == {
        "error_code": 400,
        "message": "The partition for a sink connector offset must contain the keys "
        "'kafka_topic' and 'kafka_partition'",
    }
    reset = {"offsets": [{"partition": {"kafka_topic": "t", "kafka_partition": 0}, "offset": None}]}
    assert http.patch("/connectors/s/offsets", json=reset).status_code == 200
    assert http.get("/connectors/s/offsets").json() == {"offsets": []}


def test_loggers_scope(fake: FakeConnect, http: httpx.Client) -> None:
    resp = http.put("/admin/loggers/org.apache.kafka.connect", json={"level": "debug"})
    assert resp.status_code == 200
    assert "org.apache.kafka.connect.runtime" in resp.json()
    assert http.get("/admin/loggers/org.apache.kafka.connect").json()["level"] == "DEBUG"
    assert http.put("/admin/loggers/org.apache.kafka.connect", json={"level": "DEBUG"}).json() == []
    resp = http.put("/admin/loggers/root?scope=cluster", json={"level": "WARN"})
    assert resp.status_code == 204


def test_custom_plugin_and_plugin_listing(http: httpx.Client) -> None:
    plugin = FakePlugin(
        "com.example.TestSourceConnector",
        "source",
        "1.2.3",
        configs=[FakeConfigKey("mode", default="a", validator=OneOf(("a", "b")))],
    )
    with FakeConnect(plugins=[plugin]) as fake, httpx.Client(base_url=fake.url) as c:
        listed = c.get("/connector-plugins").json()
        assert {
            "class": "com.example.TestSourceConnector",
            "type": "source",
            "version": "1.2.3",
        } in (listed)
        resp = c.put("/connectors/t/config", json={"connector.class": "TestSource", "mode": "c"})
        assert resp.status_code == 400
        assert "String must be one of: a, b" in resp.json()["message"]
        assert c.get("/connector-plugins/TestSource/config").json()[0]["name"] == "mode"


def test_versions_3_9(old: tuple[FakeConnect, httpx.Client]) -> None:
    fake, http = old
    fake.add_connector("a/b", SOURCE)
    assert http.get("/connectors/a%2Fb/config").status_code == 200  # Jetty 9 decodes %2F
    assert http.get("/connectors/a%2Fb/tasks-config").status_code == 200
    status = http.get("/connectors/a%2Fb/status").json()
    assert "version" not in status["connector"]
    assert http.patch("/connectors/a%2Fb/config", json={}).status_code == 200  # 3.8+
    resp = http.put("/connector-plugins/FileStreamSource/config/validate", json=SOURCE)
    assert "order" in resp.json()["configs"][0]["definition"]
    resp = http.put("/connectors/x/config", json={"connector.class": "com.nope.X"})
    assert resp.status_code == 500


def test_stop_needs_3_5() -> None:
    fake, http = _fake_client("3.4.0")
    with fake, http:
        fake.add_connector("a", SOURCE)
        assert http.patch("/connectors/a/config", json={}).status_code == 405
        resp = http.put("/connectors/a/stop")
        assert resp.json() == {"error_code": 404, "message": "HTTP 404 Not Found"}
        resp = http.post("/connectors", json={"name": "b", "config": SOURCE, "initial_state": "x"})
        assert resp.status_code == 500
        assert "Unrecognized field" in resp.json()["message"]


def test_restart_delay_shows_the_old_instance_until_the_restart(
    fake: FakeConnect, http: httpx.Client
) -> None:
    """As a real worker: after a config update the status and the task configs are the old
    instance's until the connector restarts; a FileStreamSink task whose file's folder does
    not exist then FAILS at start."""
    good = {**SINK, "tasks.max": "1", "file": "/tmp/fake-restart.out"}
    assert http.put("/connectors/s/config", json=good).status_code == 201
    fake.restart_delay = 0.3
    bad = "/nonexistent-fake-dir/out.txt"
    assert http.put("/connectors/s/config", json={**good, "file": bad}).status_code == 200
    assert [t["config"]["file"] for t in http.get("/connectors/s/tasks").json()] == [good["file"]]
    assert http.get("/connectors/s/tasks/0/status").json()["state"] == "RUNNING"
    assert http.get("/connectors?expand=status").json()["s"]["status"]["tasks"][0]["state"] == (
        "RUNNING"
    )
    time.sleep(0.35)
    assert [t["config"]["file"] for t in http.get("/connectors/s/tasks").json()] == [bad]
    task = http.get("/connectors/s/tasks/0/status").json()
    assert task["state"] == "FAILED"
    assert task["trace"].startswith(
        f"org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file '{bad}'"
    )
    assert http.get("/connectors/s/config").json()["file"] == bad  # the config at once
