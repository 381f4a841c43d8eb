"""A worker killed (SIGKILL, by PID) in the middle of a multi-connector `kconnect delete` that
talks to it: the rest fails fast, every connector is accounted for, nothing is reported
deleted that still exists, and a re-run converges. Real two-worker cluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.stack.cli import REPO, run_kconnect
from tests.stack.stack import Stack

pytestmark = pytest.mark.integration

SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
PREFIX = "bulkdel"


def _ours(url: str) -> set[str]:
    names = httpx.get(f"{url}/connectors", timeout=30).json()
    return {n for n in names if n.startswith(f"{PREFIX}-")}


@pytest.fixture
def victim_restarted(real_stack: Stack) -> Iterator[list[int]]:
    """Workers a test kills; started again afterwards so later tests see two workers."""
    killed: list[int] = []
    yield killed
    for i in killed:
        if real_stack.worker_pid(i) is None:
            real_stack.start_worker(i)
    survivor = real_stack.urls[0]
    with httpx.Client(timeout=60) as client:
        for name in _ours(survivor):
            client.delete(f"{survivor}/connectors/{name}")


def test_worker_killed_mid_delete_fails_the_rest_fast_and_reports_each(
    real_stack: Stack, victim_restarted: list[int]
) -> None:
    names = [f"{PREFIX}-{i:02d}" for i in range(30)]
    leader = real_stack.leader_index()
    victim = 1 if leader in (None, 0) else 0  # a follower: the leader keeps the cluster going
    survivor_url, victim_url = real_stack.urls[1 - victim], real_stack.urls[victim]
    with httpx.Client(timeout=120) as client:
        for name in names:
            config = {
                "connector.class": SINK,
                "tasks.max": "1",
                "topics": f"{PREFIX}-topic",
                "file": str(real_stack.sink_file(f"{name}.out")),
            }
            r = client.put(f"{survivor_url}/connectors/{name}/config", json=config)
            assert r.status_code in (200, 201), r.text

    env = {k: v for k, v in os.environ.items() if not k.startswith("KCONNECT_")}
    env.update({"KCONNECT_URL": victim_url, "NO_COLOR": "1"})
    started = time.monotonic()
    delete = subprocess.Popen(
        [sys.executable, "-m", "kconnect", "delete", *names, "--yes", "--concurrency", "2"],
        cwd=str(REPO),
        env=env | {"PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and delete.poll() is None:
            if len(_ours(survivor_url)) <= len(names) - 4:
                break
            time.sleep(0.05)
        assert delete.poll() is None, "the delete finished before the worker could be killed"
        real_stack.kill_worker(victim)
        victim_restarted.append(victim)
        killed_at = time.monotonic()
        out, err = delete.communicate(timeout=120)
        after_kill = time.monotonic() - killed_at
    finally:
        if delete.poll() is None:
            delete.kill()
            delete.communicate()
    print(
        f"\nkilled worker {victim} {killed_at - started:.1f}s into the delete; it exited "
        f"{delete.returncode} {after_kill:.1f}s later\n" + "\n".join(err.splitlines()[-4:])
    )
    assert delete.returncode == 1
    # Without the circuit breaker each remaining connector spent its own retry budget.
    assert after_kill < 40, after_kill
    lines = out.splitlines()
    assert lines[-1].startswith("Delete: ") and lines[-1].endswith(" failed.")
    reported = {line.split()[2]: True for line in lines if line.startswith("✓ deleted ")}
    failed = {line[2:].split(":", 1)[0] for line in lines if line.startswith("✗ ")}
    assert set(reported) | failed == set(names) and not set(reported) & failed
    assert "worker unreachable, retrying in" in err
    still_there = _ours(survivor_url)
    # Honest: nothing reported deleted still exists.
    assert not set(reported) & still_there

    # Against the survivor, deleting what is left converges; a connector whose delete had an
    # unknown outcome (it may have happened on the leader) is either deleted now or not found.
    rerun = run_kconnect("delete", *sorted(failed), "--yes", "-o", "json", url=survivor_url)
    results = {r["name"]: r for r in json.loads(rerun.stdout)["data"]["results"]}
    for name in failed:
        result = results[name]
        assert result["deleted"] or result["error"] == f"connector {name} not found", result
        assert result["deleted"] == (name in still_there)
    assert _ours(survivor_url) == set()
