"""The reconcile loop judges a connector whose config it rewrote by the new config, not by the
old instance.

A real worker restarts a connector 0.1-0.5 s after `PUT /connectors/{name}/config`; until then
its status is the old instance's. The fake models that (`restart_delay`), and a FileStreamSink
task whose file's folder does not exist FAILS at start, as on a real worker. The cycles here are
the continuous loop's (no `--once`): each waits a bounded time (`restart_wait`) with the same
judgement as `apply --wait` (`kconnect.ops.wait`), and carries a connector still restarting
to the next cycle as pending.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kconnect.reconcile.cycle import CycleStatus
from kconnect.reconcile.metrics import parse_text
from tests.conftest import CliRunner, file_source, file_source_config, write_manifest
from tests.fakeconnect import FakeConnect
from tests.test_reconcile import Harness, harness_factory
from tests.test_wait_restart import _sink_config, _sink_manifest

__all__ = ["harness_factory"]  # the fixture, shared with tests/test_reconcile.py

BAD = "/nonexistent-kconnect-dir/out.txt"
NOT_FOUND = f"Couldn't find or create file '{BAD}' for FileStreamSinkTask"


def _metrics(h: Harness) -> dict[str, float]:
    return parse_text(h.metrics.render())


def _requests(fake: FakeConnect) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests]


@pytest.fixture
def running_sink(fake: FakeConnect, tmp_path: Path) -> Path:
    """A RUNNING sink `s` writing to `tmp_path/out.txt`, an unrelated source `a`; the worker
    restarts a connector 0.5 s after an update."""
    fake.add_connector("s", _sink_config(str(tmp_path / "out.txt")))
    fake.add_connector("a", file_source_config("a"))
    write_manifest(tmp_path / "manifests", "a.yaml", file_source("a"))
    fake.restart_delay = 0.5
    return tmp_path


def test_update_to_a_failing_config_is_never_counted_healthy_and_fails_in_its_cycle(
    fake: FakeConnect, running_sink: Path, harness_factory: Callable[..., Harness]
) -> None:
    _sink_manifest(running_sink / "manifests", BAD)
    h = harness_factory()
    fake.clear_requests()
    started = time.monotonic()
    results = [h.cycle()]
    # Reported once known (restart 0.5 s + settle 1 s), without the 3 s grace a FAILED read
    # right after a write gets (it may be the old instance's): 3.5 s at least with it.
    assert time.monotonic() - started < 3.3
    first_cycle = _requests(fake)
    fake.clear_requests()
    results += [h.cycle() for _ in range(2)]
    assert [r.status for r in results] == [CycleStatus.UNHEALTHY] * 3
    assert [r.unhealthy for r in results] == [("s",)] * 3
    assert results[0].drift == 1 and results[0].writes == 1
    summaries = [e["result"] for e in h.events("cycle")]
    assert summaries == ["unhealthy"] * 3
    unhealthy = h.events("unhealthy")
    assert [e["cycle"] for e in unhealthy] == [1, 2, 3]
    assert unhealthy[0]["failed_tasks"] == [0]
    assert NOT_FOUND in unhealthy[0]["message"]
    [restarted] = h.events("restarted")
    assert (restarted["cycle"], restarted["connector"]) == (1, "s")
    assert h.events("pending") == []
    samples = _metrics(h)
    assert samples['kconnect_connector_healthy{connector="s"}'] == 0
    assert samples['kconnect_connector_healthy{connector="a"}'] == 1
    assert samples["kconnect_reconcile_unhealthy_connectors"] == 1
    assert samples["kconnect_reconcile_pending_connectors"] == 0
    assert samples['kconnect_reconcile_cycles_total{result="ok"}'] == 0
    # Task configs were read for the rewritten connector only, after its write, until they
    # showed the new file; the later cycles read none.
    tasks_reads = [i for i, r in enumerate(first_cycle) if r[1].endswith("/tasks")]
    assert {first_cycle[i] for i in tasks_reads} == {("GET", "/connectors/s/tasks")}
    assert len(tasks_reads) >= 2  # the first ones, within 0.5 s, still show the old file
    assert first_cycle.index(("PUT", "/connectors/s/config")) < tasks_reads[0]
    assert set(first_cycle[tasks_reads[-1] + 1 :]) == {("GET", "/connectors")}
    later = _requests(fake)
    assert later and set(later) == {("GET", "/connectors")}


def test_update_that_recovers_is_healthy_only_once_the_new_instance_runs(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    # The sink's task is FAILED on a bad file; the update points it at a good one.
    fake.add_connector("s", _sink_config(BAD))
    assert fake.task_states("s") == ["FAILED"]
    fake.restart_delay = 0.5
    _sink_manifest(tmp_path / "manifests", str(tmp_path / "new.txt"))
    h = harness_factory()
    fake.clear_requests()
    started = time.monotonic()
    first = h.cycle()
    took = time.monotonic() - started
    assert first.status is CycleStatus.OK, h.events()
    assert first.unhealthy == ()
    # Judged healthy only from a status read after the restart and its settle time: neither
    # the old instance's FAILED (no false alarm) nor a RUNNING of the old config counts.
    assert took >= 0.5
    assert h.events("unhealthy") == []
    [restarted] = h.events("restarted")
    assert restarted["message"] == "s: running the new config"
    assert _metrics(h)['kconnect_connector_healthy{connector="s"}'] == 1
    assert h.cycle().status is CycleStatus.OK


def test_connector_still_restarting_is_pending_then_judged_next_cycle(
    fake: FakeConnect, running_sink: Path, harness_factory: Callable[..., Harness]
) -> None:
    fake.restart_delay = 1.0
    _sink_manifest(running_sink / "manifests", BAD)
    h = harness_factory(restart_wait=0.3)
    first = h.cycle()
    # Not restarted within the cycle's bounded wait: neither healthy nor failed, yet.
    assert first.status is CycleStatus.PENDING
    assert first.exit_code == 3
    assert (first.pending, first.unhealthy) == (("s",), ())
    [pending] = h.events("pending")
    assert pending["connector"] == "s"
    assert pending["keys"] == ["file"]
    assert pending["message"] == (
        "s: restarting with the new config; health not known yet (its task configs still hold "
        "the old file)"
    )
    summary = h.events("cycle")[-1]
    assert summary["result"] == "pending"
    assert summary["message"].startswith(
        "pending: 1 drifted, 1 write(s); restarting with the new config: s ("
    )
    samples = _metrics(h)
    assert samples['kconnect_connector_healthy{connector="s"}'] == 0
    assert samples["kconnect_reconcile_pending_connectors"] == 1
    assert samples["kconnect_reconcile_unhealthy_connectors"] == 0
    assert samples['kconnect_reconcile_cycles_total{result="pending"}'] == 1

    time.sleep(1.0)  # the worker restarts it meanwhile
    fake.clear_requests()
    second = h.cycle()
    assert second.status is CycleStatus.UNHEALTHY
    assert (second.drift, second.writes, second.pending, second.unhealthy) == (0, 0, (), ("s",))
    assert NOT_FOUND in h.events("unhealthy")[-1]["message"]
    assert ("GET", "/connectors/s/tasks") in _requests(fake)
    samples = _metrics(h)
    assert samples["kconnect_reconcile_pending_connectors"] == 0
    assert samples["kconnect_reconcile_unhealthy_connectors"] == 1

    fake.clear_requests()
    assert h.cycle().status is CycleStatus.UNHEALTHY
    assert set(_requests(fake)) == {("GET", "/connectors")}  # judged: no more task reads


def test_created_and_in_sync_connectors_read_no_task_configs(
    fake: FakeConnect, tmp_path: Path, harness_factory: Callable[..., Harness]
) -> None:
    write_manifest(tmp_path / "manifests", "a.yaml", file_source("a"))
    fake.restart_delay = 0.5
    h = harness_factory()
    assert h.cycle().status is CycleStatus.OK
    assert h.cycle().status is CycleStatus.OK
    assert not any(r[1].endswith("/tasks") for r in _requests(fake))
    assert h.events("restarted") == [] and h.events("pending") == []


def test_once_names_a_connector_not_restarted_in_time_as_pending_and_exits_3(
    cli: CliRunner, fake: FakeConnect, running_sink: Path
) -> None:
    fake.restart_delay = 60.0
    _sink_manifest(running_sink / "manifests", str(running_sink / "new.txt"))
    result = cli(
        "reconcile", str(running_sink / "manifests"), "--once", "--timeout", "1", "-o", "json",
        env={"KCONNECT_URL": fake.url},
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    [pending] = [e for e in events if e["event"] == "pending"]
    assert pending["message"] == (
        "s: restarting with the new config; health not known yet (its task configs still hold "
        "the old file)"
    )
    assert not [e for e in events if e["event"] == "unhealthy"]  # its RUNNING is the old one's
    summary = events[-1]
    assert (summary["event"], summary["result"], summary["pending"]) == ("cycle", "pending", ["s"])
