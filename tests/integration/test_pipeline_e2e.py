"""End to end through the real CLI: Debezium MariaDB source -> Kafka -> FileStreamSink.

The steps run in file order and share one pipeline (module fixture): apply --wait, CDC changes
reach the sink file, status is healthy, plan shows no drift, a wrong password is caught, delete
cleans up. The CLI runs as a subprocess (`python -m kconnect`) with KCONNECT_URL set.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.stack.cli import KResult, run_kconnect
from tests.stack.stack import DB_PASSWORD, DB_PASSWORD_ENV, DB_WRONG_PASSWORD_ENV, Stack

pytestmark = pytest.mark.integration

SOURCE = "e2e-mariadb-post-source"
SINK = "e2e-post-file-sink"
PREFIX = "e2e"
TOPIC = f"{PREFIX}.mydb.post"
SERVER_ID = 184101  # unique among the connectors of this suite

MANIFEST = """\
# Debezium MariaDB source for mydb.post, flattened with ExtractNewRecordState.
name: {source}
config:
  connector.class: io.debezium.connector.mariadb.MariaDbConnector
  tasks.max: 1
  database.hostname: ${{E2E_DB_HOST}}
  database.port: ${{E2E_DB_PORT}}
  database.user: ${{E2E_DB_USER:-debezium}}
  database.password: ${{env:{password_env}}}
  database.server.id: {server_id}
  topic.prefix: {prefix}
  database.include.list: mydb
  table.include.list: mydb.post
  include.schema.changes: false
  schema.history.internal.kafka.bootstrap.servers: ${{E2E_BOOTSTRAP}}
  schema.history.internal.kafka.topic: {prefix}.schema-history.mydb
  transforms: unwrap
  transforms.unwrap.type: io.debezium.transforms.ExtractNewRecordState
  transforms.unwrap.delete.tombstone.handling.mode: rewrite
  transforms.unwrap.add.fields: [op, table]
---
name: {sink}
config:
  connector.class: org.apache.kafka.connect.file.FileStreamSinkConnector
  tasks.max: 1
  topics: {topic}
  file: ${{E2E_SINK_FILE}}
"""


@dataclass
class Pipeline:
    stack: Stack
    dir: Path
    sink_file: Path
    env: dict[str, str]

    def write(self, password_env: str = DB_PASSWORD_ENV) -> None:
        (self.dir / "pipeline.yaml").write_text(
            MANIFEST.format(
                source=SOURCE,
                sink=SINK,
                prefix=PREFIX,
                topic=TOPIC,
                server_id=SERVER_ID,
                password_env=password_env,
            )
        )

    def kconnect(self, *args: str, url: str | None = None, timeout: float = 600) -> KResult:
        return run_kconnect(*args, url=url or self.stack.url, env=self.env, timeout=timeout)


def _status(stack: Stack, name: str) -> dict:
    r = httpx.get(f"{stack.url}/connectors/{name}/status", timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def _wait_state(stack: Stack, name: str, want: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    status: dict = {}
    while time.monotonic() < deadline:
        r = httpx.get(f"{stack.url}/connectors/{name}/status", timeout=60)
        if r.status_code == 200:
            status = r.json()
            states = [t["state"] for t in status["tasks"]]
            if want == "FAILED" and "FAILED" in states:
                return status
            if (
                want == "RUNNING"
                and status["connector"]["state"] == "RUNNING"
                and states
                and all(s == "RUNNING" for s in states)
            ):
                return status
        time.sleep(0.5)
    raise AssertionError(
        f"{name} did not reach {want} in {timeout:.0f}s: {status}; logs in {stack.log_dir}"
    )


@pytest.fixture(scope="module")
def pipeline(real_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    assert real_stack.mariadb is not None
    directory = tmp_path_factory.mktemp("pipeline")
    sink_file = real_stack.sink_file(f"e2e-post-{uuid.uuid4().hex[:6]}.txt")
    env = {
        "E2E_DB_HOST": real_stack.mariadb.host,
        "E2E_DB_PORT": str(real_stack.mariadb.port),
        "E2E_BOOTSTRAP": real_stack.bootstrap,
        "E2E_SINK_FILE": str(sink_file),
    }
    p = Pipeline(real_stack, directory, sink_file, env)
    p.write()
    yield p
    # Leave nothing behind for the other modules, whatever happened above.
    for name in (SOURCE, SINK):
        httpx.delete(f"{real_stack.url}/connectors/{name}", timeout=120)


def test_apply_wait_brings_both_connectors_up(pipeline: Pipeline) -> None:
    res = pipeline.kconnect("apply", str(pipeline.dir), "--yes", "--wait", "--timeout", "240")
    assert res.exit_code == 0, res.describe()
    for name in (SOURCE, SINK):
        status = _status(pipeline.stack, name)
        assert status["connector"]["state"] == "RUNNING", status
        assert [t["state"] for t in status["tasks"]] == ["RUNNING"], status
    # The password reference is stored unresolved: the worker resolves it (EnvVarConfigProvider).
    cfg = httpx.get(f"{pipeline.stack.url}/connectors/{SOURCE}/config", timeout=60).json()
    assert cfg["database.password"] == f"${{env:{DB_PASSWORD_ENV}}}"
    assert cfg["transforms.unwrap.add.fields"] == "op,table"
    assert cfg["tasks.max"] == "1"


def test_insert_update_delete_reach_the_sink(pipeline: Pipeline, record_property) -> None:
    db = pipeline.stack.mariadb
    assert db is not None
    marker = f"hello-{uuid.uuid4().hex[:8]}"
    t0 = time.monotonic()
    db.execute(f"INSERT INTO mydb.post (author_id, content) VALUES (42, '{marker}')")
    lines = pipeline.stack.wait_for_sink_lines(
        pipeline.sink_file, lambda ls: any(f"content={marker}," in x for x in ls), timeout=30
    )
    latency = time.monotonic() - t0
    record_property("insert_to_sink_seconds", round(latency, 3))
    print(f"\ninsert -> sink latency: {latency:.2f}s")
    inserted = next(x for x in lines if f"content={marker}," in x)
    # A row inserted while the initial snapshot still runs is read by it (`r`), not streamed.
    created = ("__op=c", "__op=r")
    assert any(op in inserted for op in created) and "author_id=42" in inserted, inserted
    post_id = db.execute(f"SELECT post_id FROM mydb.post WHERE content = '{marker}'")[0][0]

    updated = f"{marker}-updated"
    db.execute(f"UPDATE mydb.post SET content = '{updated}' WHERE post_id = {post_id}")
    pipeline.stack.wait_for_sink_lines(
        pipeline.sink_file,
        lambda ls: any(
            f"post_id={post_id}," in x and f"content={updated}," in x and "__op=u" in x for x in ls
        ),
        timeout=30,
    )

    db.execute(f"DELETE FROM mydb.post WHERE post_id = {post_id}")
    lines = pipeline.stack.wait_for_sink_lines(
        pipeline.sink_file,
        lambda ls: any(f"post_id={post_id}," in x and "__op=d" in x for x in ls),
        timeout=30,
    )
    deleted = next(x for x in lines if f"post_id={post_id}," in x and "__op=d" in x)
    assert "__deleted=true" in deleted, deleted
    ops = [x for x in lines if f"post_id={post_id}," in x]
    assert [(any(op in x for op in created), "__op=u" in x, "__op=d" in x) for x in ops] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ], ops


def test_status_is_healthy(pipeline: Pipeline) -> None:
    res = pipeline.kconnect("status", SOURCE, SINK)
    assert res.exit_code == 0, res.describe()
    assert SOURCE in res.stdout and SINK in res.stdout
    as_json = pipeline.kconnect("status", SOURCE, SINK, "-o", "json")
    assert as_json.exit_code == 0, as_json.describe()
    assert isinstance(as_json.json, dict)


def test_plan_shows_no_drift_after_apply(pipeline: Pipeline) -> None:
    res = pipeline.kconnect("plan", str(pipeline.dir), "--detailed-exitcode")
    assert res.exit_code == 0, res.describe()
    # The same through the other worker.
    res2 = pipeline.kconnect(
        "plan", str(pipeline.dir), "--detailed-exitcode", url=pipeline.stack.urls[1]
    )
    assert res2.exit_code == 0, res2.describe()


def test_wrong_password_is_rejected_by_validation(pipeline: Pipeline) -> None:
    """Debezium validates the connection when the config is written, so a wrong password is
    refused with 400 ("Unable to connect: ... Access denied") and the running config stays."""
    pipeline.write(password_env=DB_WRONG_PASSWORD_ENV)
    try:
        plan = pipeline.kconnect("plan", str(pipeline.dir), "--detailed-exitcode")
        assert plan.exit_code == 2, plan.describe()
        res = pipeline.kconnect("apply", str(pipeline.dir), "--yes")
        assert res.exit_code == 1, res.describe()
        assert "Access denied" in res.output, res.describe()
    finally:
        pipeline.write()
    cfg = httpx.get(f"{pipeline.stack.url}/connectors/{SOURCE}/config", timeout=60).json()
    assert cfg["database.password"] == f"${{env:{DB_PASSWORD_ENV}}}"


def test_password_that_stopped_working_fails_the_task_and_status_exits_3(
    pipeline: Pipeline,
) -> None:
    """Rotate the database password under the running connector, restart it: the task FAILs
    with the authentication error, `kconnect status` exits 3 and prints the trace."""
    stack = pipeline.stack
    db = stack.mariadb
    assert db is not None
    users = ("'debezium'@'%'", "'debezium'@'localhost'", "'debezium'@'127.0.0.1'")

    def set_password(pw: str) -> None:
        db.execute(";".join(f"ALTER USER {u} IDENTIFIED BY '{pw}'" for u in users))

    set_password("rotated-elsewhere")
    try:
        r = httpx.post(
            f"{stack.urls[1]}/connectors/{SOURCE}/restart",
            params={"includeTasks": "true"},
            timeout=120,
        )
        assert r.status_code in (202, 204), r.text
        _wait_state(stack, SOURCE, "FAILED", timeout=120)
        res = pipeline.kconnect("status", SOURCE, SINK)
        assert res.exit_code == 3, res.describe()
        assert "FAILED" in res.output, res.describe()
        assert "Access denied" in res.output, res.describe()
        as_json = pipeline.kconnect("status", SOURCE, "-o", "json")
        assert as_json.exit_code == 3, as_json.describe()
        assert "Access denied" in as_json.stdout, as_json.describe()
        # Unhealthy without a name too (all connectors).
        assert pipeline.kconnect("status").exit_code == 3
    finally:
        set_password(DB_PASSWORD)
    r = httpx.post(
        f"{stack.url}/connectors/{SOURCE}/restart", params={"includeTasks": "true"}, timeout=120
    )
    assert r.status_code in (202, 204), r.text
    _wait_state(stack, SOURCE, "RUNNING", timeout=120)
    assert pipeline.kconnect("status", SOURCE, SINK).exit_code == 0


def test_delete_cleans_up(pipeline: Pipeline) -> None:
    res = pipeline.kconnect("delete", SOURCE, SINK, "--yes")
    assert res.exit_code == 0, res.describe()
    for url in pipeline.stack.urls:
        deadline = time.monotonic() + 30
        names: list[str] = []
        while time.monotonic() < deadline:
            names = httpx.get(f"{url}/connectors", timeout=60).json()
            if SOURCE not in names and SINK not in names:
                break
            time.sleep(0.5)
        assert SOURCE not in names and SINK not in names, names
    # Nothing declared is left: the plan wants to create both again.
    plan = pipeline.kconnect("plan", str(pipeline.dir), "--detailed-exitcode")
    assert plan.exit_code == 2, plan.describe()
