"""The oracle: every mistake of tests/oracle_corpus.py through `kconnect validate` offline and
through the real worker's `PUT /connector-plugins/{class}/config/validate`; a mistake that
validate accepts but that the corpus says fails at start is created on the worker, and its
connector and task states are the verdict.

Every mistake the worker rejects (at validate or at start) must be rejected offline; the
worker's verdict must be the one the corpus records (so an upgrade that changes a verdict
shows); every mistake is rejected offline. Prints the agreement table (`pytest -s`)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from kconnect.core import offline_problems
from kconnect.diagnostics import Location
from kconnect.manifests.model import Manifest
from tests.oracle_corpus import CORPUS, ES_CORPUS, Change, bases, config_of
from tests.stack.stack import Stack

pytestmark = pytest.mark.integration

Mistake = tuple[str, str, Change, str]


def _offline(config: dict[str, str]) -> list[str]:
    lines = {key: Location("oracle.yaml", i + 3) for i, key in enumerate(config)}
    manifest = Manifest("oracle", config, location=Location("oracle.yaml", 1), key_locations=lines)
    return [f"{p.rule}: {p.message}" for p in offline_problems([manifest]) if p.is_error]


def _worker(http: httpx.Client, config: dict[str, str]) -> list[str]:
    cls = config.get("connector.class", "")
    answer = http.put(
        f"/connector-plugins/{quote(cls, safe='')}/config/validate",
        json={"name": "oracle", **config},
    )
    if answer.status_code != 200:  # unknown class, or a config Connect cannot even parse
        return [f"HTTP {answer.status_code}"]
    body: dict[str, Any] = answer.json()
    return [
        f"{entry['value']['name']}: {error}"
        for entry in body.get("configs", [])
        for error in entry["value"].get("errors", [])
    ]


def _started(http: httpx.Client, name: str, config: dict[str, str]) -> str:
    """Create the connector and wait for the worker's verdict: "task-fails" when the connector
    or a task is FAILED, "accepts" when every task runs; the connector is deleted after."""
    created = http.put(f"/connectors/{name}/config", json=config)
    assert created.status_code in (200, 201), created.text
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = http.get(f"/connectors/{name}/status")
            if status.status_code == 200:
                body = status.json()
                tasks = body.get("tasks", [])
                states = [body["connector"]["state"], *(t["state"] for t in tasks)]
                if "FAILED" in states:
                    return "task-fails"
                if tasks and all(state == "RUNNING" for state in states):
                    return "accepts"
            time.sleep(0.5)
        return "no verdict in 60 s"
    finally:
        http.delete(f"/connectors/{name}")


def _unique(config: dict[str, str], i: int) -> dict[str, str]:
    """A connector of its own: server id, topic prefix, history topic (binlog sources)."""
    if "database.server.id" not in config:
        return config
    unique = {**config, "database.server.id": str(7000 + i), "topic.prefix": f"oracle{i}"}
    if "schema.history.internal.kafka.topic" in config:
        unique["schema.history.internal.kafka.topic"] = f"oracle-history-{i}"
    return unique


def _agreement(stack: Stack, corpus: list[Mistake], es_url: str | None) -> None:
    assert stack.mariadb is not None
    valid = bases("127.0.0.1", stack.mariadb.port, stack.bootstrap, es_url)
    rows = []
    with httpx.Client(base_url=stack.url, timeout=120) as http:
        for name, base in valid.items():
            assert _worker(http, base) == [], f"base {name} is not valid for the worker"
            assert _offline(base) == [], f"base {name} is not valid offline"
        for i, (mistake, base, changes, recorded) in enumerate(corpus):
            config = config_of(valid[base], changes)
            worker = _worker(http, config)
            offline = _offline(config)
            verdict = "rejects" if worker else "accepts"
            if verdict == "accepts" and recorded == "task-fails":
                # Validate passes: the connector itself says what happens when it starts.
                verdict = _started(http, f"oracle-{i}", _unique(config, i))
                worker = [verdict]
            rows.append((mistake, verdict, recorded, worker, offline))
    print("\n| mistake | worker | kconnect offline |\n|---|---|---|")
    for mistake, verdict, _, _, offline in rows:
        print(f"| {mistake} | {verdict} | {'rejects' if offline else 'MISSES'} |")
    by_verdict = {v: [r for r in rows if r[1] == v] for v in ("rejects", "task-fails", "accepts")}
    caught = {v: sum(1 for r in found if r[4]) for v, found in by_verdict.items()}
    print(
        f"\n{len(rows)} mistakes. Worker's validate rejects {len(by_verdict['rejects'])} "
        f"(kconnect offline rejects {caught['rejects']}); validate accepts but the connector "
        f"fails at start: {len(by_verdict['task-fails'])} (kconnect {caught['task-fails']}); "
        f"Connect ignores and runs: {len(by_verdict['accepts'])} (kconnect {caught['accepts']})."
    )
    for mistake, *_ in by_verdict["accepts"]:
        print(f"  only kconnect: {mistake}")
    missed = [(m, w) for m, v, _, w, o in rows if v in ("rejects", "task-fails") and not o]
    assert missed == [], f"the worker rejects these, kconnect does not: {missed}"
    changed = [(m, v, w) for m, v, rec, w, _ in rows if v != rec]
    assert changed == [], f"the worker's verdict differs from the corpus: {changed}"
    silent = [m for m, _, _, _, o in rows if not o]
    assert silent == [], f"mistakes kconnect does not reject offline: {silent}"


def test_oracle_agreement(real_stack: Stack) -> None:
    _agreement(real_stack, CORPUS, None)


@pytest.mark.elasticsearch
def test_oracle_agreement_elasticsearch(es_stack: Stack) -> None:
    assert es_stack.elasticsearch_url is not None
    _agreement(es_stack, ES_CORPUS, es_stack.elasticsearch_url)
