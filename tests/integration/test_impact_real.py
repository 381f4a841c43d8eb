"""Change impact and renames on the real worker: what the plan says a change does to the data
is what Connect and Debezium do.

One pipeline (module fixture): a Debezium MariaDB source on mydb.post and a FileStreamSink on
its topic, each line `Struct{post_id=…,…,__op=c|r|u|d}`. The steps run in file order:

1. rename the source with `moved_from` while rows are being written: no second snapshot, no
   gap, no duplicate (row ids and `__op` compared);
2. rename it again without `moved_from`: the plan warns (looks-like-rename), and the new
   connector snapshots every row again;
3. rename the FileStreamSink with `moved_from`: it does not re-read its topic; a rename
   interrupted after the create, or before the delete, is finished by the next run with one
   line per new row (no re-read, no rewind); a config update restarts the connector and
   its task (worker logs);
4. `topic.prefix` change: refused without consent; acknowledged, the source snapshots into new
   topics and the sink on the old topic receives nothing more;
5. `database.server.id` shared: the server disconnects one of the two binlog clients;
6. `schema.history.internal.kafka.topic` change: the connector fails on restart;
7. `connector.class` change: the new class is handed the old class's offsets.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import MARIADB
from tests.stack.cli import KResult, run_kconnect
from tests.stack.stack import DB_PASSWORD_ENV, Stack

pytestmark = pytest.mark.integration

SERVER_ID = 184201  # unique among the connectors of this suite
SOURCE_KEYS = """\
  connector.class: {connector_class}
  tasks.max: 1
  database.hostname: ${{IMP_DB_HOST}}
  database.port: ${{IMP_DB_PORT}}
  database.user: debezium
  database.password: ${{env:{password_env}}}
  database.server.id: {server_id}
  topic.prefix: {prefix}
  database.include.list: mydb
  table.include.list: mydb.post
  include.schema.changes: false
  schema.history.internal.kafka.bootstrap.servers: ${{IMP_BOOTSTRAP}}
  schema.history.internal.kafka.topic: {history}
  transforms: unwrap
  transforms.unwrap.type: io.debezium.transforms.ExtractNewRecordState
  transforms.unwrap.add.fields: op
"""


def source_manifest(
    name: str,
    *,
    moved_from: str | None = None,
    prefix: str = "imp",
    history: str = "imp.schema-history",
    server_id: int = SERVER_ID,
    acknowledge: tuple[str, ...] = (),
    connector_class: str = MARIADB,
) -> str:
    head = [f"name: {name}"]
    if moved_from:
        head.append(f"moved_from: {moved_from}")
    if acknowledge:
        head.append(f"acknowledge: [{', '.join(acknowledge)}]")
    keys = SOURCE_KEYS.format(
        password_env=DB_PASSWORD_ENV,
        server_id=server_id,
        prefix=prefix,
        history=history,
        connector_class=connector_class,
    )
    return "\n".join(head) + "\nconfig:\n" + keys


def sink_manifest(name: str, topic: str, file: Path, moved_from: str | None = None) -> str:
    head = f"name: {name}\n" + (f"moved_from: {moved_from}\n" if moved_from else "")
    return (
        head + "config:\n"
        "  connector.class: org.apache.kafka.connect.file.FileStreamSinkConnector\n"
        "  tasks.max: 1\n"
        f"  topics: {topic}\n"
        f"  file: {file}\n"
    )


@dataclass
class Pipeline:
    stack: Stack
    dir: Path
    sink_file: Path
    env: dict[str, str]
    names: set[str] = field(default_factory=set)
    snapshot_reads: int = 0

    def write(self, *documents: str) -> None:
        for old in self.dir.glob("*.yaml"):
            old.unlink()
        (self.dir / "pipeline.yaml").write_text("---\n".join(documents))
        for doc in documents:
            self.names.add(doc.split("\n", 1)[0].removeprefix("name: "))

    def kconnect(self, *args: str) -> KResult:
        return run_kconnect(*args, url=self.stack.url, env=self.env, timeout=600)

    def lines(self, path: Path | None = None) -> list[str]:
        return self.stack.read_sink_file(path or self.sink_file)

    def rows(self) -> int:
        db = self.stack.mariadb
        assert db is not None
        return int(db.execute("SELECT COUNT(*) FROM mydb.post")[0][0])

    def insert(self, content: str) -> None:
        db = self.stack.mariadb
        assert db is not None
        db.execute(f"INSERT INTO mydb.post (author_id, content) VALUES (7, '{content}')")

    def status(self, name: str) -> dict:
        r = httpx.get(f"{self.stack.url}/connectors/{name}/status", timeout=60)
        return r.json() if r.status_code == 200 else {}

    def config(self, name: str) -> dict[str, str] | None:
        r = httpx.get(f"{self.stack.url}/connectors/{name}/config", timeout=60)
        return r.json() if r.status_code == 200 else None


def reads(lines: list[str]) -> list[str]:
    return [x for x in lines if "__op=r" in x]


def with_content(lines: list[str], marker: str) -> list[str]:
    return [x for x in lines if f"content={marker}," in x]


@pytest.fixture(scope="module")
def pipeline(real_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    assert real_stack.mariadb is not None
    directory = tmp_path_factory.mktemp("impact")
    env = {
        "IMP_DB_HOST": real_stack.mariadb.host,
        "IMP_DB_PORT": str(real_stack.mariadb.port),
        "IMP_BOOTSTRAP": real_stack.bootstrap,
    }
    p = Pipeline(real_stack, directory, real_stack.sink_file(f"imp-{uuid.uuid4().hex[:6]}"), env)
    yield p
    for name in sorted(p.names):
        httpx.delete(f"{real_stack.url}/connectors/{name}", timeout=120)


class Writer(threading.Thread):
    """Inserts a numbered row every 50 ms until stopped."""

    def __init__(self, pipeline: Pipeline, tag: str) -> None:
        super().__init__(daemon=True)
        self.pipeline, self.tag = pipeline, tag
        self.written: list[str] = []
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            marker = f"{self.tag}-{len(self.written)}"
            self.pipeline.insert(marker)
            self.written.append(marker)
            time.sleep(0.05)


def test_rename_with_moved_from_keeps_source_offsets_while_rows_are_written(
    pipeline: Pipeline,
) -> None:
    pipeline.write(
        source_manifest("imp-src"), sink_manifest("imp-sink", "imp.mydb.post", pipeline.sink_file)
    )
    res = pipeline.kconnect("apply", str(pipeline.dir), "--wait", "--timeout", "240")
    assert res.exit_code == 0, res.describe()
    rows = pipeline.rows()
    pipeline.stack.wait_for_sink_lines(
        pipeline.sink_file, lambda ls: len(reads(ls)) >= rows, timeout=120
    )
    pipeline.snapshot_reads = len(reads(pipeline.lines()))
    writer = Writer(pipeline, f"mv-{uuid.uuid4().hex[:6]}")
    writer.start()
    try:
        pipeline.stack.wait_for_sink_lines(
            pipeline.sink_file,
            lambda ls: any(f"content={writer.tag}-" in x for x in ls),
            timeout=60,
        )
        pipeline.write(
            source_manifest("imp-src-v2", moved_from="imp-src"),
            sink_manifest("imp-sink", "imp.mydb.post", pipeline.sink_file),
        )
        plan = pipeline.kconnect("plan", str(pipeline.dir))
        assert "~ rename imp-src → imp-src-v2 (offsets carried over)" in plan.stdout, (
            plan.describe()
        )
        res = pipeline.kconnect("apply", str(pipeline.dir), "--wait", "--timeout", "240")
        assert res.exit_code == 0, res.describe()
        assert "stopped imp-src, created imp-src-v2 STOPPED, carried 1 offset(s) over" in (
            res.stdout
        ), res.describe()
        written_at_rename = len(writer.written)
        while len(writer.written) < written_at_rename + 20:
            time.sleep(0.05)
    finally:
        writer.stop_event.set()
        writer.join()
    last = writer.written[-1]
    lines = pipeline.stack.wait_for_sink_lines(
        pipeline.sink_file, lambda ls: bool(with_content(ls, last)), timeout=60
    )
    assert pipeline.config("imp-src") is None
    # No second snapshot: the renamed source resumed from the old one's binlog position.
    assert len(reads(lines)) == pipeline.snapshot_reads, reads(lines)
    # No gap and no duplicate: every row written before, during and after the rename once, as
    # a create.
    seen = {m: with_content(lines, m) for m in writer.written}
    missing = [m for m, found in seen.items() if not found]
    doubled = {m: found for m, found in seen.items() if len(found) > 1}
    assert not missing and not doubled, (missing, doubled)
    assert all("__op=c" in found[0] for found in seen.values())
    print(f"\nrename with moved_from: {len(writer.written)} rows written, each seen once")


def test_rename_without_moved_from_snapshots_again_as_the_plan_warned(
    pipeline: Pipeline,
) -> None:
    pipeline.write(
        source_manifest("imp-src-v3"),
        sink_manifest("imp-sink", "imp.mydb.post", pipeline.sink_file),
    )
    plan = pipeline.kconnect("plan", str(pipeline.dir), "--prune")
    assert plan.exit_code == 0, plan.describe()
    assert (
        "    ! warning looks-like-rename: this looks like a rename of imp-src-v2 to imp-src-v3"
        in plan.stdout
    ), plan.describe()
    before = len(reads(pipeline.lines()))
    rows = pipeline.rows()
    res = pipeline.kconnect("apply", str(pipeline.dir), "--prune", "--yes", "--wait")
    assert res.exit_code == 0, res.describe()
    lines = pipeline.stack.wait_for_sink_lines(
        pipeline.sink_file, lambda ls: len(reads(ls)) >= before + rows, timeout=120
    )
    # Every row again, as a snapshot read: what the warning said.
    assert len(reads(lines)) == before + rows


def test_rename_file_sink_with_moved_from_does_not_reread_its_topic(pipeline: Pipeline) -> None:
    pipeline.write(
        source_manifest("imp-src-v3"),
        sink_manifest("imp-sink-v2", "imp.mydb.post", pipeline.sink_file, moved_from="imp-sink"),
    )
    res = pipeline.kconnect("apply", str(pipeline.dir), "--wait", "--timeout", "240")
    assert res.exit_code == 0, res.describe()
    assert "✓ imp-sink-v2: stopped imp-sink, created imp-sink-v2 STOPPED" in res.stdout
    before = pipeline.lines()
    marker = f"sink-{uuid.uuid4().hex[:6]}"
    pipeline.insert(marker)
    lines = pipeline.stack.wait_for_sink_lines(
        pipeline.sink_file, lambda ls: bool(with_content(ls, marker)), timeout=60
    )
    time.sleep(2)  # a re-read of the topic would add every earlier record again by now
    lines = pipeline.lines()
    assert len(lines) == len(before) + 1, lines[len(before) :][:5]


def _sink_config(pipeline: Pipeline) -> dict[str, str]:
    return {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "tasks.max": "1",
        "topics": "imp.mydb.post",
        "file": str(pipeline.sink_file),
    }


def _rest(pipeline: Pipeline, method: str, path: str, body: dict | None = None) -> None:
    r = httpx.request(method, f"{pipeline.stack.url}{path}", json=body, timeout=120)
    assert r.status_code < 300, r.text


def _one_more_line_per_row(pipeline: Pipeline) -> None:
    before = pipeline.lines()
    marker = f"resume-{uuid.uuid4().hex[:6]}"
    pipeline.insert(marker)
    pipeline.stack.wait_for_sink_lines(
        pipeline.sink_file, lambda ls: bool(with_content(ls, marker)), timeout=60
    )
    time.sleep(2)
    assert len(pipeline.lines()) == len(before) + 1, pipeline.lines()[len(before) :][:5]


def _stopped_and_created(pipeline: Pipeline, old: str, new: str) -> None:
    """What a rename run does up to its step 3, by hand: OLD stopped, NEW created STOPPED."""
    _rest(pipeline, "PUT", f"/connectors/{old}/stop")
    _rest(
        pipeline,
        "POST",
        "/connectors",
        {"name": new, "config": _sink_config(pipeline), "initial_state": "STOPPED"},
    )
    pipeline.names.add(new)


def test_a_rename_interrupted_after_the_create_is_finished_by_the_next_run(
    pipeline: Pipeline,
) -> None:
    """The run stopped OLD and created NEW STOPPED, then died: no offsets were written."""
    _stopped_and_created(pipeline, "imp-sink-v2", "imp-sink-v3")
    pipeline.write(
        source_manifest("imp-src-v3"),
        sink_manifest("imp-sink-v3", "imp.mydb.post", pipeline.sink_file, moved_from="imp-sink-v2"),
    )
    res = pipeline.kconnect("apply", str(pipeline.dir), "--wait", "--timeout", "240")
    assert res.exit_code == 0, res.describe()
    assert "✓ imp-sink-v3: carried 1 offset(s) over, resumed, deleted imp-sink-v2" in res.stdout
    _one_more_line_per_row(pipeline)


def test_a_rename_interrupted_before_the_delete_never_rewinds_the_new_connector(
    pipeline: Pipeline,
) -> None:
    """The run carried the offsets over and resumed NEW, which then processed more rows; the
    next run only deletes OLD: rewriting NEW's offsets would send those rows again."""
    _stopped_and_created(pipeline, "imp-sink-v3", "imp-sink-v4")
    deadline = time.monotonic() + 60
    while pipeline.status("imp-sink-v4").get("connector", {}).get("state") != "STOPPED":
        assert time.monotonic() < deadline, pipeline.status("imp-sink-v4")
        time.sleep(0.25)
    offsets = httpx.get(f"{pipeline.stack.url}/connectors/imp-sink-v3/offsets", timeout=60).json()
    _rest(pipeline, "PATCH", "/connectors/imp-sink-v4/offsets", offsets)
    _rest(pipeline, "PUT", "/connectors/imp-sink-v4/resume")
    _one_more_line_per_row(pipeline)  # NEW has moved past OLD's offsets
    pipeline.write(
        source_manifest("imp-src-v3"),
        sink_manifest("imp-sink-v4", "imp.mydb.post", pipeline.sink_file, moved_from="imp-sink-v3"),
    )
    res = pipeline.kconnect("apply", str(pipeline.dir), "--wait", "--timeout", "240")
    assert res.exit_code == 0, res.describe()
    assert "✓ imp-sink-v4: deleted imp-sink-v3" in res.stdout, res.describe()
    _one_more_line_per_row(pipeline)


def _log_count(pipeline: Pipeline, text: str) -> int:
    return sum(
        pipeline.stack.worker_log(i).read_text(errors="replace").count(text)
        for i in range(len(pipeline.stack.urls))
    )


def test_any_config_update_restarts_the_connector_and_its_tasks(pipeline: Pipeline) -> None:
    sink = sink_manifest("imp-sink-v4", "imp.mydb.post", pipeline.sink_file)
    pipeline.write(source_manifest("imp-src-v3"), sink + "  errors.log.enable: true\n")
    plan = pipeline.kconnect("plan", str(pipeline.dir))
    assert "    ! info config-update-restarts: Connect restarts the connector and its tasks" in (
        plan.stdout
    ), plan.describe()
    stops = _log_count(pipeline, "Stopping task imp-sink-v4-0 ")
    starts = _log_count(pipeline, "Starting task imp-sink-v4-0 ")
    connector_starts = _log_count(pipeline, "Starting connector imp-sink-v4 ")
    res = pipeline.kconnect("apply", str(pipeline.dir), "--wait", "--timeout", "240")
    assert res.exit_code == 0, res.describe()
    deadline = time.monotonic() + 60
    while _log_count(pipeline, "Starting task imp-sink-v4-0 ") <= starts:
        assert time.monotonic() < deadline, f"no task restart logged; see {pipeline.stack.log_dir}"
        time.sleep(0.5)
    assert _log_count(pipeline, "Stopping task imp-sink-v4-0 ") > stops
    assert _log_count(pipeline, "Starting connector imp-sink-v4 ") > connector_starts
    _one_more_line_per_row(pipeline)


def test_topic_prefix_change_is_refused_then_writes_new_topics_and_the_old_sink_starves(
    pipeline: Pipeline,
) -> None:
    new_file = pipeline.stack.sink_file(f"imp2-{uuid.uuid4().hex[:6]}")
    # The sink on the old topic stays on the cluster, declared elsewhere (lint would flag it
    # here: nothing declared produces imp.mydb.post any more).
    sinks = (sink_manifest("imp2-sink", "imp2.mydb.post", new_file),)
    pipeline.write(source_manifest("imp-src-v3", prefix="imp2"), *sinks)
    plan = pipeline.kconnect("plan", str(pipeline.dir))
    assert "    ! danger topic-prefix-changed: Debezium writes every change to topics named" in (
        plan.stdout
    ), plan.describe()
    refused = pipeline.kconnect("apply", str(pipeline.dir), "--wait")
    assert refused.exit_code == 1, refused.describe()
    assert "refusing a plan with 1 dangerous change(s): imp-src-v3: topic-prefix-changed" in (
        refused.output
    )
    # Before any write: the sink of the same plan was not created either.
    assert pipeline.config("imp2-sink") is None
    assert (pipeline.config("imp-src-v3") or {})["topic.prefix"] == "imp"

    pipeline.write(
        source_manifest("imp-src-v3", prefix="imp2", acknowledge=("topic-prefix-changed",)),
        *sinks,
    )
    rows = pipeline.rows()
    res = pipeline.kconnect("apply", str(pipeline.dir), "--wait", "--timeout", "240")
    assert res.exit_code == 0, res.describe()
    # No offsets under the new prefix: every table is snapshotted again, into the new topics.
    pipeline.stack.wait_for_sink_lines(new_file, lambda ls: len(reads(ls)) >= rows, timeout=120)
    old_count = len(pipeline.lines())
    marker = f"prefix-{uuid.uuid4().hex[:6]}"
    pipeline.insert(marker)
    pipeline.stack.wait_for_sink_lines(
        new_file, lambda ls: any("__op=c" in x for x in with_content(ls, marker)), timeout=60
    )
    time.sleep(3)
    assert len(pipeline.lines()) == old_count, "the sink on the old topic received a record"
    topics = httpx.get(f"{pipeline.stack.url}/connectors/imp-src-v3/topics", timeout=60).json()
    assert "imp2.mydb.post" in topics["imp-src-v3"]["topics"]


def test_server_id_shared_with_another_connector_disconnects_one(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    """Another repository (its own manifests: lint cannot see ours) creates a source with the
    database.server.id our running source uses."""
    (tmp_path / "twin.yaml").write_text(
        source_manifest("imp-twin", prefix="imptwin", history="imptwin.schema-history")
    )
    pipeline.names.add("imp-twin")
    plan = pipeline.kconnect("plan", str(tmp_path), "-o", "json")
    [change] = plan.json["data"]["changes"]
    assert [i["id"] for i in change["impacts"]] == ["server-id-shared"], plan.describe()
    assert "imp-src-v3" in change["impacts"][0]["message"]
    refused = pipeline.kconnect("apply", str(tmp_path))
    assert refused.exit_code == 1 and pipeline.config("imp-twin") is None, refused.describe()
    res = pipeline.kconnect("apply", str(tmp_path), "--force")
    assert res.exit_code == 0, res.describe()
    # The server allows one binlog client per server id: when the twin connects, it drops the
    # other one, and Debezium reports it (task trace or worker log).
    needle = re.compile(r"same server_uuid/server_id|slave with the same server", re.I)
    deadline = time.monotonic() + 120
    found = ""
    while time.monotonic() < deadline and not found:
        for name in ("imp-src-v3", "imp-twin"):
            text = json.dumps(pipeline.status(name))
            if needle.search(text):
                found = f"{name} status"
        for i in range(len(pipeline.stack.urls)):
            log = pipeline.stack.worker_log(i)
            if log.exists() and needle.search(log.read_text(errors="replace")):
                found = found or f"worker-{i}.log"
        time.sleep(1)
    assert found, f"no binlog client was disconnected; logs in {pipeline.stack.log_dir}"
    print(f"\nserver-id-shared: disconnect seen in {found}")
    res = pipeline.kconnect("delete", "imp-twin", "--yes")
    assert res.exit_code == 0, res.describe()


def test_schema_history_topic_change_fails_the_connector_on_restart(pipeline: Pipeline) -> None:
    ids = ("topic-prefix-changed", "schema-history-topic-changed")
    pipeline.write(
        source_manifest("imp-src-v3", prefix="imp2", history="imp.history-moved", acknowledge=ids)
    )
    plan = pipeline.kconnect("plan", str(pipeline.dir), "-o", "json")
    [change] = plan.json["data"]["changes"]
    assert change["impacts"][0]["id"] == "schema-history-topic-changed", plan.describe()
    res = pipeline.kconnect("apply", str(pipeline.dir))
    assert res.exit_code == 0, res.describe()
    deadline = time.monotonic() + 120
    trace = ""
    while time.monotonic() < deadline:
        tasks = pipeline.status("imp-src-v3").get("tasks") or []
        # (A trace left by the previous step's disconnect may show first: wait for this one.)
        trace = " ".join(t.get("trace") or "" for t in tasks if t.get("state") == "FAILED")
        if "The db history topic is missing" in trace:
            break
        time.sleep(1)
    assert "The db history topic is missing" in trace, trace


def test_connector_class_change_hands_the_new_class_the_old_offsets(pipeline: Pipeline) -> None:
    """Offsets belong to the name: the MySQL connector class, put in place of the MariaDB one,
    is given the position the MariaDB connector wrote."""
    url = f"{pipeline.stack.url}/connectors/imp-src-v3/offsets"
    before = httpx.get(url, timeout=60).json()["offsets"]
    # One entry per topic.prefix the connector had: the prefix keys the offsets.
    assert {o["partition"]["server"] for o in before} == {"imp", "imp2"}, before
    ids = ("topic-prefix-changed", "schema-history-topic-changed")
    mysql = "io.debezium.connector.mysql.MySqlConnector"
    pipeline.write(
        source_manifest(
            "imp-src-v3",
            prefix="imp2",
            history="imp.history-moved",
            acknowledge=ids,
            connector_class=mysql,
        )
    )
    plan = pipeline.kconnect("plan", str(pipeline.dir), "-o", "json")
    [change] = plan.json["data"]["changes"]
    assert change["impacts"][0]["id"] == "connector-class-changed", plan.describe()
    refused = pipeline.kconnect("apply", str(pipeline.dir))
    assert refused.exit_code == 1, refused.describe()
    assert "imp-src-v3: connector-class-changed" in refused.output
    res = pipeline.kconnect("apply", str(pipeline.dir), "--force")
    assert res.exit_code == 0, res.describe()
    assert (pipeline.config("imp-src-v3") or {})["connector.class"] == mysql
    after = httpx.get(url, timeout=60).json()["offsets"]
    assert after == before
