"""The one bounded parallel executor for writes to many connectors, and how many of each kind
of write run at once.

Used by `apply` (and `reconcile`) and by the multi-connector commands (`delete`, `pause`,
`resume`, `stop`, `restart`). A failure of one item never stops the others: the work function
returns a result for every item, and the caller reports each one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_CONCURRENCY = 64


class WriteKind(str, Enum):
    """Kinds of write that cost the worker differently, and so parallelise differently."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    STATE = "state"  # pause, resume, stop
    RESTART = "restart"


@dataclass(frozen=True)
class Concurrency:
    """How many writes of each kind run at once.

    Defaults measured on a real two-worker cluster (bench/real_cluster.py, 200
    FileStreamSink connectors; README "Parallel writes"): an update makes the worker restart
    the connector and its tasks (about 1.4 s each), so updates keep gaining up to 32 at a
    time; a create costs a config-topic write and a rebalance on the leader, which stops
    gaining beyond 8; deletes, state changes and restarts are short and gain up to 16."""

    create: int = 8
    update: int = 32
    delete: int = 16
    state: int = 16
    restart: int = 16

    @classmethod
    def fixed(cls, n: int) -> Concurrency:
        """`--concurrency N`: the same limit for every kind."""
        n = max(1, min(MAX_CONCURRENCY, n))
        return cls(n, n, n, n, n)

    def limit(self, kind: WriteKind) -> int:
        return max(1, int(getattr(self, kind.value)))

    def to_dict(self) -> dict[str, int]:
        return {kind.value: self.limit(kind) for kind in WriteKind}


def concurrency_from(value: int | Concurrency | None) -> Concurrency:
    if value is None:
        return Concurrency()
    if isinstance(value, Concurrency):
        return value
    return Concurrency.fixed(value)


def run_parallel(
    items: Sequence[T],
    work: Callable[[T], R],
    *,
    kind: Callable[[T], WriteKind],
    concurrency: int | Concurrency | None = None,
    on_done: Callable[[T, R], None] | None = None,
) -> list[R]:
    """`work(item)` for every item, at most `concurrency.limit(kind)` of a kind at once; the
    results in the order of `items`. `work` must not raise for an expected failure (return
    a failed result instead); `on_done` is called as each item finishes (progress)."""
    limits = concurrency_from(concurrency)
    if not items:
        return []
    kinds = [kind(item) for item in items]
    pools = {
        k: ThreadPoolExecutor(
            max_workers=min(limits.limit(k), kinds.count(k)), thread_name_prefix=f"kc-{k.value}"
        )
        for k in dict.fromkeys(kinds)
    }

    def run(item: T) -> R:
        result = work(item)
        if on_done is not None:
            on_done(item, result)
        return result

    try:
        futures: list[Future[R]] = [
            pools[k].submit(run, item) for item, k in zip(items, kinds, strict=True)
        ]
        return [f.result() for f in futures]
    finally:
        for pool in pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
