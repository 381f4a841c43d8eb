"""Reading Elasticsearch in the pipeline tests: search (near real time, as a user would see
it), mappings, and polling until the index says what a test expects."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

Docs = dict[str, dict[str, Any]]  # document id -> _source


def search(es_url: str, index: str, size: int = 1000) -> Docs | None:
    """Every searchable document of `index` (no refresh forced), or None if it does not exist
    (or its shard is still starting: 503)."""
    r = httpx.post(
        f"{es_url}/{index}/_search",
        json={"size": size, "query": {"match_all": {}}},
        timeout=30,
    )
    if r.status_code in (404, 503):
        return None
    r.raise_for_status()
    return {hit["_id"]: hit["_source"] for hit in r.json()["hits"]["hits"]}


def mapping(es_url: str, index: str) -> dict[str, Any]:
    r = httpx.get(f"{es_url}/{index}/_mapping", timeout=30)
    r.raise_for_status()
    return dict(r.json()[index]["mappings"].get("properties", {}))


def wait_docs(
    es_url: str,
    index: str,
    predicate: Callable[[Docs], bool],
    timeout: float = 60,
    what: str = "",
) -> Docs:
    deadline = time.monotonic() + timeout
    docs: Docs | None = None
    while time.monotonic() < deadline:
        docs = search(es_url, index)
        if docs is not None and predicate(docs):
            return docs
        time.sleep(0.2)
    shown = "no such index" if docs is None else f"{len(docs)} docs: {dict(list(docs.items())[:5])}"
    raise AssertionError(
        f"index {index} did not reach {what or 'the expected state'} in {timeout:.0f}s ({shown})"
    )


def delete_index(es_url: str, index: str) -> None:
    httpx.delete(f"{es_url}/{index}", timeout=60)
