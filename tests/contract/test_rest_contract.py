"""The Kafka Connect REST contract kconnect relies on, checked with plain httpx.

Every test runs against FakeConnect and (marked `integration`) against a real distributed
worker, so the fake cannot drift from the real thing unnoticed. Expected texts come from
../shared/reference/connect-rest-api.md.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import FILE_SINK, FILE_SOURCE, MARIADB

DEADLINE = 30.0  # seconds; the real worker applies writes asynchronously

NameFactory = Callable[[str], str]


def source_config(**extra: str) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {
        "connector.class": FILE_SOURCE,
        "tasks.max": "1",
        # A file that does not exist: the task keeps running, waiting for it to appear.
        "file": f"/tmp/kconnect-contract-{tag}.txt",
        "topic": f"kconnect-contract-{tag}",
        **extra,
    }


def create(client: httpx.Client, name: str, **extra: str) -> httpx.Response:
    resp = client.put(f"/connectors/{name}/config", json=source_config(**extra))
    assert resp.status_code == 201, resp.text
    return resp


def _poll(
    client: httpx.Client, path: str, until: Callable[[dict[str, Any]], bool], what: str
) -> dict[str, Any]:
    """GET `path` until its 200 answer satisfies `until`, failing after DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    last: Any = None
    while time.monotonic() < deadline:
        resp = client.get(path)
        if resp.status_code == 200:
            last = resp.json()
            if until(last):
                return dict(last)
        else:
            last = (resp.status_code, resp.text)
        time.sleep(0.2)
    raise AssertionError(f"{what} never matched; last seen: {last}")


def wait_status(
    client: httpx.Client, name: str, predicate: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """Poll the status until `predicate` holds, failing after DEADLINE seconds."""
    return _poll(client, f"/connectors/{name}/status", predicate, f"status of {name}")


def stored_config(
    client: httpx.Client, name: str, until: Callable[[dict[str, Any]], bool] = lambda _c: True
) -> dict[str, Any]:
    """GET the stored config, polling until `until` holds. A write is answered by the leader, and
    a follower serves reads from its own copy of the config topic, which may lag behind for a
    moment (a 404, or the previous config, right after a 201/200): Connect does not promise
    read-your-writes across workers."""
    return _poll(client, f"/connectors/{name}/config", until, f"config of {name}")


def running(status: dict[str, Any]) -> bool:
    return (
        status["connector"]["state"] == "RUNNING"
        and bool(status["tasks"])
        and all(t["state"] == "RUNNING" for t in status["tasks"])
    )


def assert_error(resp: httpx.Response, status: int, message: str | None = None) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error_code"] == status
    if message is not None:
        assert body["message"] == message


def put_raw(client: httpx.Client, path: str, raw: str) -> httpx.Response:
    return client.put(path, content=raw.encode(), headers={"Content-Type": "application/json"})


# --------------------------------------------------------------------------------------------


def test_root_shape(client: httpx.Client) -> None:
    resp = client.get("/")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"version", "commit", "kafka_cluster_id"}
    assert body["version"][0].isdigit()


def test_put_creates_201_then_updates_200(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("put")
    config = source_config()
    resp = client.put(f"/connectors/{name}/config", json=config)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].endswith(f"/connectors/{name}")
    body = resp.json()
    assert body["name"] == name
    assert body["type"] == "source"
    assert body["config"] == {**config, "name": name}
    assert isinstance(body["tasks"], list)

    changed = {**config, "batch.size": "10"}
    resp = client.put(f"/connectors/{name}/config", json=changed)
    assert resp.status_code == 200, resp.text
    assert "Location" not in resp.headers
    assert resp.json()["config"]["batch.size"] == "10"

    resp = client.put(f"/connectors/{name}/config", json=changed)  # unchanged: still 200
    assert resp.status_code == 200, resp.text
    assert stored_config(client, name, lambda c: c.get("batch.size") == "10") == {
        **changed,
        "name": name,
    }

    # A PUT replaces the whole config: a key it leaves out is gone (why apply sends each
    # `ignore_keys` key with its live value).
    resp = client.put(f"/connectors/{name}/config", json=config)
    assert resp.status_code == 200, resp.text
    assert stored_config(client, name, lambda c: "batch.size" not in c) == {**config, "name": name}


def test_post_creates_201_and_duplicate_is_409(
    client: httpx.Client, make_name: NameFactory
) -> None:
    name = make_name("post")
    payload = {"name": name, "config": source_config()}
    resp = client.post("/connectors", json=payload)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].endswith(f"/connectors/{name}")
    assert resp.json()["name"] == name
    assert resp.json()["config"]["name"] == name

    assert_error(client.post("/connectors", json=payload), 409, f"Connector {name} already exists")


def test_post_initial_state_stopped(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("initial")
    resp = client.post(
        "/connectors", json={"name": name, "config": source_config(), "initial_state": "STOPPED"}
    )
    assert resp.status_code == 201, resp.text
    status = wait_status(client, name, lambda s: s["connector"]["state"] == "STOPPED")
    assert status["tasks"] == []


def test_post_unknown_field_is_500(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("unknown-field")
    resp = client.post("/connectors", json={"name": name, "config": source_config(), "foo": 1})
    assert_error(resp, 500)
    assert "Unrecognized field" in resp.json()["message"]
    assert client.get(f"/connectors/{name}").status_code == 404


def test_values_are_strings_keeping_literal_text(
    client: httpx.Client, make_name: NameFactory
) -> None:
    name = make_name("literal")
    base = json.dumps(source_config())[:-1]
    raw = (
        base + ', "x.decimal": 1.50, "x.exp": 1e3, "x.bool": false, '
        '"x.big": 12345678901234567890, "x.padded": "01", "x.space": " a "}'
    )
    resp = put_raw(client, f"/connectors/{name}/config", raw)
    assert resp.status_code == 201, resp.text
    config = stored_config(client, name)
    assert config["x.decimal"] == "1.50"
    assert config["x.exp"] == "1e3"
    assert config["x.bool"] == "false"
    assert config["x.big"] == "12345678901234567890"
    assert config["x.padded"] == "01"
    assert config["x.space"] == " a "
    assert all(isinstance(v, str) for v in config.values())


def test_null_value_is_400(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("null")
    raw = json.dumps({**source_config(), "x.null": None})
    assert_error(put_raw(client, f"/connectors/{name}/config", raw), 400)
    assert client.get(f"/connectors/{name}").status_code == 404


def test_nested_value_is_500(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("nested")
    raw = json.dumps({**source_config(), "x.obj": {"a": 1}})
    assert_error(put_raw(client, f"/connectors/{name}/config", raw), 500)
    assert client.get(f"/connectors/{name}").status_code == 404


def test_name_is_added_to_config(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("named")
    config = source_config()
    create(client, name)
    stored = stored_config(client, name)
    assert stored["name"] == name
    assert set(stored) == {*config, "name"}


def test_name_mismatch_is_400(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("mismatch")
    resp = client.put(f"/connectors/{name}/config", json={**source_config(), "name": "other"})
    assert_error(
        resp,
        400,
        f"Connector name configuration (other) doesn't match connector name in the URL ({name})",
    )


def test_expand_info_and_status(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("expand")
    create(client, name)
    wait_status(client, name, running)

    resp = client.get("/connectors", params=[("expand", "info"), ("expand", "status")])
    assert resp.status_code == 200
    entry = resp.json()[name]
    assert set(entry) == {"info", "status"}
    assert entry["info"]["name"] == name
    assert entry["info"]["type"] == "source"
    assert entry["info"]["config"]["name"] == name
    assert entry["info"]["tasks"] == [{"connector": name, "task": 0}]
    assert entry["status"]["name"] == name
    assert entry["status"]["connector"]["state"] == "RUNNING"
    assert isinstance(entry["status"]["connector"]["worker_id"], str)

    comma = client.get("/connectors?expand=info,status")
    assert comma.status_code == 200
    assert comma.json()[name] == {}

    plain = client.get("/connectors")
    assert isinstance(plain.json(), list)
    assert name in plain.json()


def test_unknown_connector_404_messages(client: httpx.Client) -> None:
    n = f"kc-missing-{uuid.uuid4().hex[:10]}"
    assert_error(client.get(f"/connectors/{n}"), 404, f"Connector {n} not found")
    assert_error(client.get(f"/connectors/{n}/config"), 404, f"Connector {n} not found")
    assert_error(client.get(f"/connectors/{n}/status"), 404, f"No status found for connector {n}")
    assert_error(client.get(f"/connectors/{n}/tasks"), 404, f"Connector {n} not found")
    assert_error(client.put(f"/connectors/{n}/pause"), 404, f"Unknown connector {n}")
    assert_error(client.put(f"/connectors/{n}/resume"), 404, f"Unknown connector {n}")
    assert_error(client.put(f"/connectors/{n}/stop"), 404, f"Unknown connector {n}")
    assert_error(client.post(f"/connectors/{n}/restart"), 404, f"Unknown connector: {n}")
    assert_error(client.delete(f"/connectors/{n}"), 404, f"Connector {n} not found")
    assert_error(client.get(f"/connectors/{n}/offsets"), 404, f"Connector {n} not found")


def test_status_and_task_status_shape(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("status")
    create(client, name)
    status = wait_status(client, name, running)
    assert status["name"] == name
    assert status["type"] == "source"
    assert [t["id"] for t in status["tasks"]] == [0]  # FileStreamSource makes one task
    assert "trace" not in status["connector"]

    task = client.get(f"/connectors/{name}/tasks/0/status")
    assert task.status_code == 200
    assert task.json()["id"] == 0
    assert task.json()["state"] == "RUNNING"
    assert isinstance(task.json()["worker_id"], str)
    assert_error(
        client.get(f"/connectors/{name}/tasks/9/status"), 404, f"No status found for task {name}-9"
    )
    assert_error(client.get(f"/connectors/{name}/tasks/x/status"), 404, "HTTP 404 Not Found")

    tasks = client.get(f"/connectors/{name}/tasks").json()
    assert [t["id"] for t in tasks] == [{"connector": name, "task": 0}]
    assert tasks[0]["config"]["task.class"] == "org.apache.kafka.connect.file.FileStreamSourceTask"


def test_tasks_config_is_gone_in_4x(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("tasks-config")
    create(client, name)
    assert_error(client.get(f"/connectors/{name}/tasks-config"), 404, "HTTP 404 Not Found")


def test_pause_resume_stop_restart(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("lifecycle")
    create(client, name)
    wait_status(client, name, running)

    resp = client.put(f"/connectors/{name}/pause")
    assert resp.status_code == 202
    assert resp.content == b""
    wait_status(
        client,
        name,
        lambda s: (
            s["connector"]["state"] == "PAUSED" and all(t["state"] == "PAUSED" for t in s["tasks"])
        ),
    )
    assert client.put(f"/connectors/{name}/pause").status_code == 202  # idempotent

    assert client.put(f"/connectors/{name}/resume").status_code == 202
    wait_status(client, name, running)

    resp = client.post(f"/connectors/{name}/restart")
    assert resp.status_code == 204
    assert resp.content == b""
    wait_status(client, name, running)

    resp = client.post(f"/connectors/{name}/restart", params={"includeTasks": "true"})
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["name"] == name
    assert body["connector"]["state"] == "RESTARTING"
    assert [t["state"] for t in body["tasks"]] == ["RESTARTING"]
    wait_status(client, name, running)

    resp = client.post(
        f"/connectors/{name}/restart", params={"includeTasks": "true", "onlyFailed": "true"}
    )
    assert resp.status_code == 202, resp.text
    assert resp.json()["connector"]["state"] == "RUNNING"  # nothing failed: nothing restarts
    assert [t["state"] for t in resp.json()["tasks"]] == ["RUNNING"]

    assert client.post(f"/connectors/{name}/tasks/0/restart").status_code == 204

    resp = client.put(f"/connectors/{name}/stop")
    assert resp.status_code == 204
    wait_status(client, name, lambda s: s["connector"]["state"] == "STOPPED" and s["tasks"] == [])
    assert client.get(f"/connectors/{name}").json()["tasks"] == []
    assert client.get(f"/connectors/{name}/tasks").json() == []
    assert client.put(f"/connectors/{name}/stop").status_code == 204  # idempotent

    assert client.put(f"/connectors/{name}/resume").status_code == 202  # also resumes STOPPED
    wait_status(client, name, running)


def test_offsets(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("offsets")
    config = source_config()
    create(client, name, **{k: v for k, v in config.items() if k in ("file", "topic")})
    wait_status(client, name, running)
    file_name = stored_config(client, name)["file"]
    patch = {"offsets": [{"partition": {"filename": file_name}, "offset": {"position": 5}}]}

    assert client.get(f"/connectors/{name}/offsets").status_code == 200  # in any state
    assert_error(
        client.patch(f"/connectors/{name}/offsets", json=patch),
        400,
        "Connectors must be in the STOPPED state before their offsets can be modified. This can "
        "be done for the specified connector by issuing a 'PUT' request to the "
        f"'/connectors/{name}/stop' endpoint",
    )
    assert_error(client.delete(f"/connectors/{name}/offsets"), 400)

    assert client.put(f"/connectors/{name}/stop").status_code == 204
    wait_status(client, name, lambda s: s["connector"]["state"] == "STOPPED")
    resp = client.get(f"/connectors/{name}/offsets")
    assert resp.status_code == 200
    assert isinstance(resp.json()["offsets"], list)

    assert_error(
        client.patch(f"/connectors/{name}/offsets", json={"offsets": []}),
        400,
        "Partitions / offsets need to be provided for an alter offsets request",
    )
    resp = client.patch(f"/connectors/{name}/offsets", json=patch)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "message": "The offsets for this connector have been altered successfully"
    }
    offsets = client.get(f"/connectors/{name}/offsets").json()["offsets"]
    assert {"partition": {"filename": file_name}, "offset": {"position": 5}} in offsets

    resp = client.delete(f"/connectors/{name}/offsets")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"message": "The offsets for this connector have been reset successfully"}
    # A reset partition is gone, or (seen on a loaded real worker) still listed for a moment
    # with a null offset: either way the connector holds no offset for it.
    after = client.get(f"/connectors/{name}/offsets").json()["offsets"]
    assert all(entry["offset"] is None for entry in after), after


def _config_entry(infos: dict[str, Any], key: str) -> dict[str, Any]:
    return next(c for c in infos["configs"] if c["value"]["name"] == key)


def test_validate_reports_missing_required_key(client: httpx.Client) -> None:
    name = f"kc-validate-{uuid.uuid4().hex[:10]}"
    config = {"connector.class": FILE_SOURCE, "name": name, "tasks.max": "1", "file": "/tmp/x"}
    resp = client.put("/connector-plugins/FileStreamSourceConnector/config/validate", json=config)
    assert resp.status_code == 200, resp.text
    infos = resp.json()
    assert set(infos) == {"name", "error_count", "groups", "configs"}
    assert infos["name"] == FILE_SOURCE  # connector.class as sent, not the URL segment
    assert infos["error_count"] == sum(len(c["value"]["errors"]) for c in infos["configs"])
    assert "Common" in infos["groups"]

    topic = _config_entry(infos, "topic")
    assert topic["value"]["errors"] == [
        'Missing required configuration "topic" which has no default value.'
    ]
    assert topic["value"]["value"] is None
    assert topic["definition"]["required"] is True
    assert topic["definition"]["type"] == "STRING"
    assert set(topic["definition"]) >= {
        "name",
        "type",
        "required",
        "default_value",
        "importance",
        "documentation",
        "group",
        "width",
        "display_name",
        "dependents",
    }
    assert "order" in topic["definition"] or "order_in_group" in topic["definition"]

    batch = _config_entry(infos, "batch.size")
    assert batch["definition"]["default_value"] == "2000"
    assert batch["value"]["value"] == "2000"  # unset keys show their default
    assert _config_entry(infos, "tasks.max")["value"]["errors"] == []


def test_validate_counts_every_error_message(client: httpx.Client) -> None:
    config = {"connector.class": FILE_SOURCE, "name": "v", "topic": "t", "tasks.max": "2.5"}
    resp = client.put("/connector-plugins/FileStreamSourceConnector/config/validate", json=config)
    assert resp.status_code == 200, resp.text
    assert _config_entry(resp.json(), "tasks.max")["value"]["errors"] == [
        "Invalid value 2.5 for configuration tasks.max: Not a number of type INT",
        "Invalid value null for configuration tasks.max: Value must be non-null",
    ]
    assert resp.json()["error_count"] == 2


def test_validate_sink_needs_topics(client: httpx.Client) -> None:
    config = {"connector.class": FILE_SINK, "name": "s", "file": "/tmp/x"}
    resp = client.put("/connector-plugins/FileStreamSinkConnector/config/validate", json=config)
    assert resp.status_code == 200, resp.text
    message = "Must configure one of topics or topics.regex"
    assert message in _config_entry(resp.json(), "topics")["value"]["errors"]
    assert resp.json()["error_count"] >= 1


def test_validate_hides_passwords(client: httpx.Client) -> None:
    config = {"connector.class": MARIADB, "name": "pw", "database.password": "s3cr3t-pw"}
    resp = client.put("/connector-plugins/MariaDbConnector/config/validate", json=config)
    assert resp.status_code == 200, resp.text
    entry = _config_entry(resp.json(), "database.password")
    assert entry["definition"]["type"] == "PASSWORD"
    # Connect's own PASSWORD keys show "[hidden]"; Debezium's validate() returns no values at
    # all, so a real worker answers null here. Either way the secret must not come back.
    assert entry["value"]["value"] is None
    assert "s3cr3t-pw" not in resp.text
    file_resp = client.put(
        "/connector-plugins/FileStreamSourceConnector/config/validate",
        json={"connector.class": FILE_SOURCE, "name": "pw", "topic": "t", "x.other": "s3cr3t-pw"},
    )
    assert "s3cr3t-pw" not in file_resp.text  # keys without a definition are left out
    assert resp.json()["error_count"] > 0


def test_validate_without_connector_class_is_500(client: httpx.Client) -> None:
    resp = client.put(
        "/connector-plugins/FileStreamSourceConnector/config/validate", json={"topic": "x"}
    )
    assert_error(resp, 500)
    assert "contains no connector type" in resp.json()["message"]


def test_validate_type_mismatch_is_400(client: httpx.Client) -> None:
    resp = client.put(
        "/connector-plugins/FileStreamSinkConnector/config/validate",
        json={"connector.class": FILE_SOURCE, "topic": "x"},
    )
    assert_error(
        resp,
        400,
        f"Included connector type {FILE_SOURCE} does not match request type "
        "FileStreamSinkConnector",
    )


def test_connector_plugins(client: httpx.Client) -> None:
    resp = client.get("/connector-plugins")
    assert resp.status_code == 200
    plugins = resp.json()
    assert {"class": FILE_SINK, "type": "sink"}.items() <= next(
        p for p in plugins if p["class"] == FILE_SINK
    ).items()
    assert any(p["class"] == FILE_SOURCE and p["type"] == "source" for p in plugins)
    assert {p["type"] for p in plugins} <= {"source", "sink"}
    kinds = [p["type"] for p in plugins]
    assert kinds == sorted(kinds, key=lambda k: k != "sink")  # sinks first

    everything = client.get("/connector-plugins", params={"connectorsOnly": "false"}).json()
    assert {"transformation", "converter"} <= {p["type"] for p in everything}

    definitions = client.get("/connector-plugins/FileStreamSourceConnector/config")
    assert definitions.status_code == 200
    assert {"file", "topic", "batch.size"} <= {d["name"] for d in definitions.json()}
    assert_error(
        client.get("/connector-plugins/com.nope.X/config"), 404, "Unknown plugin com.nope.X."
    )


def test_unknown_route_405_and_415(client: httpx.Client) -> None:
    assert_error(client.get("/nope"), 404, "HTTP 404 Not Found")
    assert_error(client.get("/connectors/x/nope"), 404, "HTTP 404 Not Found")
    assert_error(client.delete("/connectors"), 405, "HTTP 405 Method Not Allowed")
    resp = client.post(
        "/connectors", content=b'{"name":"x"}', headers={"Content-Type": "text/plain"}
    )
    assert_error(resp, 415, "HTTP 415 Unsupported Media Type")


def test_trailing_slash_is_accepted(client: httpx.Client) -> None:
    resp = client.get("/connectors/")
    assert resp.status_code == 200
    assert isinstance(resp.json(), list)


def test_delete_is_204_then_404(client: httpx.Client, make_name: NameFactory) -> None:
    name = make_name("delete")
    create(client, name)
    resp = client.delete(f"/connectors/{name}")
    assert resp.status_code == 204
    assert resp.content == b""
    deadline = time.monotonic() + DEADLINE
    while client.get(f"/connectors/{name}").status_code != 404:
        assert time.monotonic() < deadline, "connector still visible after DELETE"
        time.sleep(0.2)
    assert_error(client.delete(f"/connectors/{name}"), 404, f"Connector {name} not found")


def test_topics_has_no_existence_check(client: httpx.Client) -> None:
    n = f"kc-missing-{uuid.uuid4().hex[:10]}"
    resp = client.get(f"/connectors/{n}/topics")
    assert resp.status_code == 200
    assert resp.json() == {n: {"topics": []}}


def test_loggers(client: httpx.Client) -> None:
    resp = client.get("/admin/loggers")
    assert resp.status_code == 200
    assert "level" in resp.json()["root"]
    root = client.get("/admin/loggers/root")
    assert root.status_code == 200
    assert set(root.json()) == {"level", "last_modified"}
    assert_error(
        client.get("/admin/loggers/kc.no.such.logger"), 404, "Logger kc.no.such.logger not found."
    )
    assert_error(
        client.put("/admin/loggers/root", json={"level": "LOUD"}), 404, "invalid log level 'LOUD'."
    )
    assert_error(
        client.put("/admin/loggers/root", json={}),
        400,
        "Desired 'level' parameter was not specified in request.",
    )


def test_slash_in_name_is_unaddressable(
    client: httpx.Client, make_name: NameFactory, request: pytest.FixtureRequest
) -> None:
    if request.node.callspec.params["connect_url"] == "real":
        # The connector could never be deleted again from the shared cluster.
        pytest.skip("would leave an undeletable connector on the shared real cluster")
    prefix = make_name("slash")
    name = f"{prefix}/b"
    resp = client.post("/connectors", json={"name": name, "config": source_config()})
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].endswith(f"/connectors/{prefix}%2Fb")
    got = client.get(f"/connectors/{prefix}%2Fb")
    assert got.status_code == 400
    assert "Ambiguous URI path separator" in got.text
    assert name in client.get("/connectors").json()


def test_post_trims_spaces_around_the_name_but_keeps_other_whitespace(
    client: httpx.Client, make_name: NameFactory
) -> None:
    """Why kconnect rejects names with surrounding whitespace: the worker stores ' x ' as
    'x' (Java's trim(): spaces and control characters only), so the next create is a 409."""
    name = make_name("pad")
    padded = {"name": f"  {name} ", "config": source_config()}
    resp = client.post("/connectors", json=padded)
    assert resp.status_code == 201, resp.text
    assert resp.json()["name"] == name
    assert client.get(f"/connectors/{name}").status_code == 200
    assert_error(client.post("/connectors", json=padded), 409, f"Connector {name} already exists")

    nbsp = make_name("nbsp") + "\u00a0"
    kept = client.post("/connectors", json={"name": nbsp, "config": source_config()})
    assert kept.status_code == 201, kept.text
    assert kept.json()["name"] == nbsp
    assert client.delete(f"/connectors/{nbsp}").status_code == 204


def test_every_write_answer_is_one_kconnect_counts_as_done(
    client: httpx.Client, make_name: NameFactory
) -> None:
    """kconnect shows a write as done only for the answers in `kconnect.api.answers` (issue
    23): each of them is what the worker really sends."""
    from kconnect.api import answers

    def done(resp: httpx.Response, expected: answers.Expected) -> None:
        problem, _ = answers.check_write(resp, expected)
        assert problem is None, (resp.status_code, resp.text, problem)

    name = make_name("answers")
    config = source_config()
    done(client.put(f"/connectors/{name}/config", json=config), answers.written(name))
    wait_status(client, name, running)
    done(client.put(f"/connectors/{name}/config", json=config), answers.written(name))
    done(client.put(f"/connectors/{name}/pause"), answers.PAUSED)
    done(client.put(f"/connectors/{name}/resume"), answers.RESUMED)
    wait_status(client, name, running)
    done(client.post(f"/connectors/{name}/restart"), answers.RESTARTED)
    wait_status(client, name, running)
    done(
        client.post(f"/connectors/{name}/restart", params={"includeTasks": "true"}),
        answers.RESTARTED,
    )
    wait_status(client, name, running)
    done(client.post(f"/connectors/{name}/tasks/0/restart"), answers.TASK_RESTARTED)
    done(client.put(f"/connectors/{name}/stop"), answers.STOPPED)
    wait_status(client, name, lambda s: s["connector"]["state"] == "STOPPED")
    done(client.delete(f"/connectors/{name}/offsets"), answers.OFFSETS_CHANGED)
    done(client.delete(f"/connectors/{name}"), answers.DELETED)

    created = make_name("answers-post")
    body = {"name": created, "config": source_config(), "initial_state": "STOPPED"}
    done(client.post("/connectors", json=body), answers.written(created))

    logger = "org.apache.kafka.connect.file"
    level = client.get(f"/admin/loggers/{logger}")
    current = level.json()["level"] if level.status_code == 200 else "INFO"
    done(client.put(f"/admin/loggers/{logger}", json={"level": current}), answers.LOGGER_SET)
    done(
        client.put(
            f"/admin/loggers/{logger}", json={"level": current}, params={"scope": "cluster"}
        ),
        answers.LOGGER_SET_CLUSTER,
    )


def test_config_update_reaches_task_configs_then_a_task_fails_at_start(
    client: httpx.Client, make_name: NameFactory
) -> None:
    """What `--wait` relies on after an update: the task configs (GET …/tasks) come to carry the
    new config (FileStreamSink copies its config into its task's), and a task that cannot start
    with it (a file whose folder does not exist) is FAILED, its trace's root cause in a
    `Caused by:` line."""
    name = make_name("restart")
    tag = uuid.uuid4().hex[:8]
    config = {
        "connector.class": FILE_SINK,
        "tasks.max": "1",
        "topics": f"kconnect-contract-{tag}",
        "file": f"/tmp/kconnect-contract-{tag}.out",
    }
    assert client.put(f"/connectors/{name}/config", json=config).status_code == 201
    wait_status(client, name, running)
    bad = f"/nonexistent-kconnect-{tag}/out.txt"
    assert client.put(f"/connectors/{name}/config", json={**config, "file": bad}).status_code == 200
    deadline = time.monotonic() + DEADLINE
    files: list[str] = []
    while time.monotonic() < deadline and files != [bad]:
        resp = client.get(f"/connectors/{name}/tasks")
        files = [t["config"].get("file") for t in resp.json()] if resp.status_code == 200 else []
        time.sleep(0.05)
    assert files == [bad]
    status = wait_status(client, name, lambda s: [t["state"] for t in s["tasks"]] == ["FAILED"])
    assert status["connector"]["state"] == "RUNNING"
    trace = status["tasks"][0]["trace"]
    assert trace.startswith(
        "org.apache.kafka.connect.errors.ConnectException: "
        f"Couldn't find or create file '{bad}' for FileStreamSinkTask\n\tat "
    )
    assert f"\nCaused by: java.nio.file.NoSuchFileException: {bad}\n\tat " in trace
