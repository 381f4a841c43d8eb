"""The oracle: every mistake of tests/oracle_corpus.py through `kconnect validate` offline and
through the real worker's `PUT /connector-plugins/{class}/config/validate`.

Every mistake the worker rejects must be rejected offline; the worker's verdict must be the one
the corpus records (so a worker upgrade that changes a verdict shows); every mistake is
rejected offline. Prints the agreement table (`pytest -s` shows it)."""

from __future__ import annotations

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


def _agreement(
    stack: Stack, corpus: list[tuple[str, str, Change, str]], es_url: str | None
) -> None:
    assert stack.mariadb is not None
    valid = bases("127.0.0.1", stack.mariadb.port, stack.bootstrap, es_url)
    rows = []
    with httpx.Client(base_url=stack.url, timeout=120) as http:
        for name, base in valid.items():
            assert _worker(http, base) == [], f"base {name} is not valid for the worker"
            assert _offline(base) == [], f"base {name} is not valid offline"
        for mistake, base, changes, recorded in corpus:
            config = config_of(valid[base], changes)
            worker = _worker(http, config)
            offline = _offline(config)
            rows.append((mistake, "rejects" if worker else "accepts", recorded, worker, offline))
    print("\n| mistake | worker | kconnect offline |\n|---|---|---|")
    for mistake, verdict, _, _, offline in rows:
        print(f"| {mistake} | {verdict} | {'rejects' if offline else 'MISSES'} |")
    rejected = [r for r in rows if r[1] == "rejects"]
    only_kconnect = [r for r in rows if r[1] == "accepts" and r[4]]
    print(
        f"\n{len(rows)} mistakes; worker rejects {len(rejected)}, kconnect rejects "
        f"{sum(1 for r in rows if r[4])} offline ({sum(1 for r in rejected if r[4])} of the "
        f"worker's {len(rejected)}); caught only by kconnect: {len(only_kconnect)}"
    )
    for mistake, *_ in only_kconnect:
        print(f"  kconnect only: {mistake}")
    missed = [(m, w) for m, v, _, w, o in rows if v == "rejects" and not o]
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
