"""The reconcile loop against the real distributed Connect 4.x stack: drift made by hand on
one worker (a changed key, a deleted connector, a paused connector) is corrected by the loop
talking to the other worker.

The cluster is shared by the whole session: unique connector names, no --prune, and every
connector created here is deleted at the end.
"""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from kconnect.api.client import ConnectClient
from kconnect.config.settings import ClientSettings
from kconnect.reconcile.events import EventLog
from kconnect.reconcile.loop import ReconcileOptions, Reconciler
from tests.stack.stack import Stack

pytestmark = pytest.mark.integration

SOURCE_CLASS = "org.apache.kafka.connect.file.FileStreamSourceConnector"
DEADLINE = 90.0


def _wait_for(condition: Callable[[], bool], what: str, log: io.StringIO) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > DEADLINE:
            raise AssertionError(
                f"{what}: not reached in {DEADLINE:.0f}s; loop log:\n{log.getvalue()}"
            )
        time.sleep(0.25)
    return time.monotonic() - start


@pytest.fixture
def names(real_stack: Stack) -> Iterator[list[str]]:
    created: list[str] = []
    yield created
    with httpx.Client(base_url=real_stack.url, timeout=60) as http:
        for name in created:
            http.delete(f"/connectors/{name}")


def test_reconcile_corrects_drift_on_the_real_cluster(
    real_stack: Stack, tmp_path: Path, names: list[str]
) -> None:
    suffix = uuid.uuid4().hex[:8]
    changed, deleted, paused = (
        f"kc-rec-{kind}-{suffix}" for kind in ("changed", "deleted", "paused")
    )
    names.extend([changed, deleted, paused])
    folder = tmp_path / "manifests"
    folder.mkdir()
    desired: dict[str, dict[str, str]] = {}
    for name in names:
        source = real_stack.sink_file(f"{name}.in")
        source.write_text("one\ntwo\n")
        desired[name] = {
            "connector.class": SOURCE_CLASS,
            "tasks.max": "1",
            "topic": f"{name}-topic",
            "file": str(source),
        }
        body = "".join(f"  {k}: {v}\n" for k, v in desired[name].items())
        (folder / f"{name}.yaml").write_text(f"name: {name}\nconfig:\n{body}", encoding="utf-8")

    log = io.StringIO()
    loop_url, other_url = real_stack.urls[0], real_stack.urls[-1]
    client = ConnectClient(ClientSettings(url=loop_url))
    reconciler = Reconciler(
        client,
        ReconcileOptions(paths=(str(folder),), interval=1.0),
        env=lambda: {},
        events=EventLog(json_lines=True, stream=log),
    )
    worker = threading.Thread(target=reconciler.run, daemon=True)
    worker.start()
    http = httpx.Client(base_url=other_url, timeout=120)
    try:

        def status(name: str) -> str | None:
            r = http.get(f"/connectors/{name}/status")
            if r.status_code != 200:
                return None
            body = r.json()
            tasks = body.get("tasks") or []
            if not tasks or any(t["state"] != body["connector"]["state"] for t in tasks):
                return None
            return str(body["connector"]["state"])

        def config(name: str) -> dict[str, str] | None:
            r = http.get(f"/connectors/{name}/config")
            return r.json() if r.status_code == 200 else None

        _wait_for(lambda: all(status(n) == "RUNNING" for n in names), "connectors created", log)

        # Drift, made by hand through the other worker.
        r = http.put(
            f"/connectors/{changed}/config", json={**desired[changed], "topic": "hand-edited"}
        )
        assert r.status_code == 200, r.text
        assert http.delete(f"/connectors/{deleted}").status_code == 204
        assert http.put(f"/connectors/{paused}/pause").status_code == 202

        took = _wait_for(
            lambda: (
                (config(changed) or {}).get("topic") == f"{changed}-topic"
                and status(deleted) == "RUNNING"
                and status(paused) == "RUNNING"
            ),
            "drift corrected",
            log,
        )
        print(f"drift corrected on the real cluster in {took:.1f}s")
        assert worker.is_alive()
        # And the loop settles: a later cycle finds nothing to change.
        seen = len(log.getvalue().splitlines())

        def in_sync_cycle() -> bool:
            lines = log.getvalue().splitlines()[seen:]
            events = [json.loads(line) for line in lines]
            return any(e["event"] == "cycle" and e["drift"] == 0 for e in events)

        _wait_for(in_sync_cycle, "a cycle without drift", log)
    finally:
        reconciler.stop_event.set()
        worker.join(120)
        http.close()
        client.close()
    assert not worker.is_alive()
