"""Many concurrent writes against the two-worker cluster (409s during rebalances), and a worker
killed (SIGKILL, by PID) in the middle of an apply. The CLI runs as a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stack.cli import REPO, run_kconnect
from tests.stack.stack import Stack

pytestmark = pytest.mark.integration

RETRY_LINE = re.compile(r"retr(y|ying)", re.I)


def _file_connectors(stack: Stack, prefix: str, count: int, *, extra: str = "") -> str:
    """`count` manifests, alternating FileStreamSource / FileStreamSink, one YAML stream."""
    docs = []
    for i in range(count):
        name = f"{prefix}-{i:02d}"
        topic = f"{prefix}-topic-{i // 2:02d}"
        if i % 2 == 0:
            source = stack.sink_file(f"{name}.in")
            source.touch()
            docs.append(
                f"name: {name}\nconfig:\n"
                "  connector.class: org.apache.kafka.connect.file.FileStreamSourceConnector\n"
                f"  tasks.max: 1\n  topic: {topic}\n  file: {source}\n{extra}"
            )
        else:
            docs.append(
                f"name: {name}\nconfig:\n"
                "  connector.class: org.apache.kafka.connect.file.FileStreamSinkConnector\n"
                f"  tasks.max: 1\n  topics: {topic}\n  file: {stack.sink_file(name + '.out')}\n{extra}"
            )
    return "---\n".join(docs)


def _expanded(stack: Stack, url: str | None = None) -> dict:
    r = httpx.get(
        f"{url or stack.url}/connectors",
        params=[("expand", "status"), ("expand", "info")],
        timeout=120,
    )
    assert r.status_code == 200, r.text
    return r.json()


def _delete_prefix(stack: Stack, prefix: str) -> None:
    with httpx.Client(timeout=120) as client:
        for _ in range(5):
            names = [
                n for n in client.get(f"{stack.url}/connectors").json() if n.startswith(prefix)
            ]
            if not names:
                return
            for n in names:
                for _attempt in range(10):
                    r = client.delete(f"{stack.url}/connectors/{n}")
                    if r.status_code in (204, 404):
                        break
                    time.sleep(1)
            time.sleep(1)


def _count_409(stack: Stack, marks: dict[str, int]) -> int:
    return sum(1 for r in stack.requests(since=marks) if r.status == 409 and not r.forwarded)


@pytest.fixture
def cleanup(real_stack: Stack) -> Iterator[list[str]]:
    prefixes: list[str] = []
    yield prefixes
    for p in prefixes:
        _delete_prefix(real_stack, p)


def test_apply_50_connectors_with_concurrency_8(
    real_stack: Stack, tmp_path: Path, cleanup: list[str], record_property
) -> None:
    prefix = "reb"
    cleanup.append(prefix)
    manifests = tmp_path / "fifty"
    manifests.mkdir()
    (manifests / "connectors.yaml").write_text(_file_connectors(real_stack, prefix, 50))

    marks = real_stack.log_marks()
    res = run_kconnect(
        "apply",
        manifests,
        "--yes",
        "--wait",
        "--timeout",
        "300",
        "--concurrency",
        "8",
        "-v",
        url=real_stack.url,
    )
    retries = [line for line in res.stderr.splitlines() if RETRY_LINE.search(line)]
    worker_409 = _count_409(real_stack, marks)
    record_property("apply50_seconds", round(res.seconds, 1))
    record_property("apply50_cli_retry_lines", len(retries))
    record_property("apply50_worker_409s", worker_409)
    print(
        f"\napply of 50 connectors: {res.seconds:.1f}s, CLI retry lines {len(retries)}, "
        f"409 responses logged by the workers {worker_409}"
    )
    assert res.exit_code == 0, res.describe()

    expanded = _expanded(real_stack)
    ours = {n: v for n, v in expanded.items() if n.startswith(f"{prefix}-")}
    assert sorted(ours) == [f"{prefix}-{i:02d}" for i in range(50)]
    bad = {
        n: v["status"]
        for n, v in ours.items()
        if v["status"]["connector"]["state"] != "RUNNING"
        or [t["state"] for t in v["status"]["tasks"]] != ["RUNNING"]
    }
    assert not bad, bad
    workers = {t["worker_id"] for v in ours.values() for t in v["status"]["tasks"]}
    print(f"tasks spread over workers: {sorted(workers)}")

    status = run_kconnect("status", url=real_stack.urls[1])
    assert status.exit_code == 0, status.describe()
    plan = run_kconnect("plan", manifests, "--detailed-exitcode", url=real_stack.urls[1])
    assert plan.exit_code == 0, plan.describe()

    # Half of the connectors change; this apply goes through worker 2 (writes are forwarded
    # to the leader).
    changed = _file_connectors(real_stack, prefix, 50, extra="  errors.log.enable: true\n")
    docs = changed.split("---\n")
    original = _file_connectors(real_stack, prefix, 50).split("---\n")
    (manifests / "connectors.yaml").write_text(
        "---\n".join(docs[i] if i % 2 else original[i] for i in range(50))
    )
    marks = real_stack.log_marks()
    res2 = run_kconnect(
        "apply",
        manifests,
        "--yes",
        "--wait",
        "--timeout",
        "300",
        "--concurrency",
        "8",
        "-v",
        url=real_stack.urls[1],
    )
    retries2 = [line for line in res2.stderr.splitlines() if RETRY_LINE.search(line)]
    print(
        f"update of 25 via worker 2: {res2.seconds:.1f}s, CLI retry lines {len(retries2)}, "
        f"409s logged {_count_409(real_stack, marks)}"
    )
    assert res2.exit_code == 0, res2.describe()
    plan2 = run_kconnect("plan", manifests, "--detailed-exitcode", url=real_stack.url)
    assert plan2.exit_code == 0, plan2.describe()


def test_worker_killed_during_apply_then_rerun_converges(
    real_stack: Stack, tmp_path: Path, cleanup: list[str], record_property
) -> None:
    prefix = "fault"
    cleanup.append(prefix)
    manifests = tmp_path / "twenty"
    manifests.mkdir()
    (manifests / "connectors.yaml").write_text(_file_connectors(real_stack, prefix, 20))

    # Kill the group leader (where writes land), and talk to the other worker.
    leader = real_stack.leader_index()
    victim = leader if leader is not None else 1
    survivor = 1 - victim
    url = real_stack.urls[survivor]
    print(f"\nleader is worker {leader}; killing worker {victim}, CLI talks to worker {survivor}")

    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("KCONNECT_")}
    env.update({"KCONNECT_URL": url, "NO_COLOR": "1", "COLUMNS": "200"})
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kconnect",
            "apply",
            str(manifests),
            "--yes",
            "--concurrency",
            "2",
            "-v",
        ],
        cwd=str(REPO),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        # Kill once a few connectors exist, i.e. in the middle of the apply.
        deadline = time.monotonic() + 60
        created = 0
        while time.monotonic() < deadline and first.poll() is None:
            try:
                names = httpx.get(f"{url}/connectors", timeout=10).json()
                created = sum(1 for n in names if n.startswith(f"{prefix}-"))
            except httpx.HTTPError:
                pass
            if created >= 4:
                break
            time.sleep(0.05)
        mid_apply = first.poll() is None
        killed_pid = real_stack.kill_worker(victim)
        print(
            f"killed worker {victim} (pid {killed_pid}) with {created}/20 created; "
            f"apply still running: {mid_apply}"
        )
        _out, err = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    print(
        f"first apply exited {first.returncode}; last stderr lines:\n"
        + "\n".join(err.splitlines()[-8:])
    )
    record_property("fault_first_apply_exit", first.returncode)

    t0 = time.monotonic()
    real_stack.start_worker(victim)
    print(
        f"worker {victim} restarted in {time.monotonic() - t0:.1f}s (pid {real_stack.worker_pid(victim)})"
    )

    res = run_kconnect(
        "apply",
        manifests,
        "--yes",
        "--wait",
        "--timeout",
        "300",
        "--concurrency",
        "4",
        "-v",
        url=real_stack.url,
    )
    assert res.exit_code == 0, res.describe()
    plan = run_kconnect("plan", manifests, "--detailed-exitcode", url=real_stack.url)
    assert plan.exit_code == 0, plan.describe()
    plan2 = run_kconnect("plan", manifests, "--detailed-exitcode", url=real_stack.urls[1])
    assert plan2.exit_code == 0, plan2.describe()

    # Nothing lost, nothing duplicated: exactly the 20 declared connectors, one task each,
    # configs as declared, on both workers' view. After the restart the group rebalances, and
    # connectors pass through UNASSIGNED until their new owner starts them, so health is
    # polled with a deadline.
    for view in real_stack.urls:
        expanded = _expanded(real_stack, view)
        ours = {n: v for n, v in expanded.items() if n.startswith(f"{prefix}-")}
        assert sorted(ours) == [f"{prefix}-{i:02d}" for i in range(20)], view
        for n, v in ours.items():
            assert len(v["info"]["tasks"]) == 1, (n, v["info"])
    deadline = time.monotonic() + 180
    while True:
        not_running = {
            n: v["status"]
            for view in real_stack.urls
            for n, v in _expanded(real_stack, view).items()
            if n.startswith(f"{prefix}-")
            and (
                v["status"]["connector"]["state"] != "RUNNING"
                or [(t["id"], t["state"]) for t in v["status"]["tasks"]] != [(0, "RUNNING")]
            )
        }
        if not not_running or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert not not_running, not_running
    status = run_kconnect("status", url=real_stack.urls[1])
    assert status.exit_code == 0, status.describe()
