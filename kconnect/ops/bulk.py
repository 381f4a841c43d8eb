"""The one bounded parallel executor for writes to many connectors, and how many of each kind
of write run at once.

Used by `apply` (and `reconcile`) and by the multi-connector commands (`delete`, `pause`,
`resume`, `stop`, `restart`). A failure of one item never stops the others: the work function
returns a result for every item, and the caller reports each one.

By default the number of writes in flight adapts per kind of write: it starts at a value
measured on a real cluster and grows by one with each write that finished without a conflict
and without its latency running away (at most twice the typical latency of the first
writes), up to `Concurrency.ceiling`; a write that met a 409 or a "rebalance is expected"
halves it. `--concurrency N` fixes it at N for every kind.

An `Interrupt` (the CLI sets it on the first Ctrl-C) stops the executor from starting new
writes; those in flight may finish for `Interrupt.grace` seconds, and every item gets a
result saying whether it was done, never sent, or left in flight with an unknown outcome.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

from kconnect.errors import KconnectError, NotFoundError
from kconnect.progress import Progress, WriteFinished, WritesStarted
from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

T = TypeVar("T")
R = TypeVar("R")

MAX_CONCURRENCY = 64


class Interrupt:
    """A request to stop early: no new write starts once it is set; writes in flight may
    finish for `grace` seconds (then they are reported as in flight, outcome unknown)."""

    def __init__(self, grace: float = 10.0, *, event: threading.Event | None = None) -> None:
        self.grace = grace
        # `event`: a stop request that someone else sets (the reconcile loop's stop event).
        self._event = event or threading.Event()
        self._at: float | None = None

    def set(self) -> None:
        if self._at is None:
            self._at = time.monotonic()
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def expired(self) -> bool:
        return self._at is not None and time.monotonic() - self._at >= self.grace

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking at once when set (True)."""
        return self._event.wait(seconds)


NOT_SENT = "not sent: interrupted"
IN_FLIGHT = "interrupted while in flight: the outcome is unknown (run the command again)"


class WriteKind(str, Enum):
    """Kinds of write that cost the worker differently, and so parallelise differently."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    STATE = "state"  # pause, resume, stop
    RESTART = "restart"


@record
class Concurrency:
    """How many writes of each kind run at once to begin with, how far that may grow
    (`ceiling`), and whether it adapts at all.

    Starting points measured on a real two-worker cluster (bench/real_cluster.py, 200
    FileStreamSink connectors, three runs; docs/configuration.md, "Parallel writes"): 32 at once
    was the fastest fixed value for updates (the worker restarts the connector and its tasks,
    about 1.4 s each: 2.2x faster than 8), for creates (1.4-1.75x faster than 8) and for deletes,
    with no 409 in any run. Each kind keeps its own window, so a rebalance storm met by
    creates halves the creates only. State changes start at 16: at 200 connectors the writes
    took a median of three runs of 0.86 s (pause) and 1.13 s (resume) at a fixed 4, and
    0.47-0.89 s at 8, 16 or 32, like a plain 8-thread client (0.54 s, 0.78 s): the worker
    (connect-runtime 4.3.1, AbstractHerder.pauseConnector) writes each to its config topic
    and waits for the write before it answers. Restarts, not measured, start at 16 too."""

    create: int = 32
    update: int = 32
    delete: int = 32
    state: int = 16
    restart: int = 16
    ceiling: int = 32
    adaptive: bool = True

    @classmethod
    def fixed(cls, n: int) -> Concurrency:
        """`--concurrency N`: the same limit for every kind, not adapted."""
        n = max(1, min(MAX_CONCURRENCY, n))
        return cls(n, n, n, n, n, ceiling=n, adaptive=False)

    def start(self, kind: WriteKind) -> int:
        return max(1, int(getattr(self, kind.value)))

    def to_dict(self) -> dict[str, object]:
        return {
            **{kind.value: self.start(kind) for kind in WriteKind},
            "ceiling": self.ceiling,
            "adaptive": self.adaptive,
        }


def concurrency_from(value: int | Concurrency | None) -> Concurrency:
    if value is None:
        return Concurrency()
    if isinstance(value, Concurrency):
        return value
    return Concurrency.fixed(value)


class _Window:
    """The writes of one kind allowed in flight: an AIMD window (grow by one on a clean
    write, halve on a conflict), like TCP's, so that a rebalance storm backs off by itself."""

    def __init__(self, start: int, ceiling: int, adaptive: bool) -> None:
        self.limit = start
        self.ceiling = max(start, ceiling) if adaptive else start
        self.adaptive = adaptive
        self.in_flight = 0
        self.peak = 0
        self._reference: list[float] = []  # latencies of the first writes
        self._typical: float | None = None
        self._changed = threading.Condition()

    def enter(self) -> None:
        with self._changed:
            while self.in_flight >= self.limit:
                self._changed.wait()
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def release(self) -> None:
        """A slot taken but not used (the write was never sent): no adaptation."""
        with self._changed:
            self.in_flight -= 1
            self._changed.notify_all()

    def leave(self, latency: float, conflicted: bool) -> None:
        with self._changed:
            self.in_flight -= 1
            if self.adaptive:
                self._adapt(latency, conflicted)
            self._changed.notify_all()

    def _adapt(self, latency: float, conflicted: bool) -> None:
        if conflicted:
            self.limit = max(1, self.limit // 2)
            return
        if self._typical is None:
            self._reference.append(latency)
            if len(self._reference) >= min(4, self.limit):
                self._typical = _median(self._reference)
            return
        if latency <= 2 * self._typical and self.limit < self.ceiling:
            self.limit += 1


def _median(values: Sequence[float]) -> float:
    """`statistics.median`, without importing `statistics` (with `fractions` and `decimal`)
    into every bulk command's start-up for the median of four latencies."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def run_parallel(
    items: Sequence[T],
    work: Callable[[T], R],
    *,
    kind: Callable[[T], WriteKind],
    concurrency: int | Concurrency | None = None,
    conflicts: Callable[[], int] | None = None,
    on_done: Callable[[T, R], None] | None = None,
    interrupt: Interrupt | None = None,
    not_done: Callable[[T, str], R] | None = None,
) -> list[R]:
    """`work(item)` for every item; the results in the order of `items`.

    Once `interrupt` is set no new item starts: it gets `not_done(item, NOT_SENT)`; an item
    still running when the interrupt's grace has passed gets `not_done(item, IN_FLIGHT)`.

    Writes of a kind run in a window that starts at `concurrency.start(kind)` and adapts
    (see the module docstring). `conflicts()` counts the conflicts the calling thread's
    requests met so far (`ClientStats.thread_conflicts`). `work` must not raise for an
    expected failure (it returns a failed result instead); `on_done` is called as each item
    finishes (progress)."""
    limits = concurrency_from(concurrency)
    if not items:
        return []
    kinds = [kind(item) for item in items]
    windows = {
        k: _Window(limits.start(k), limits.ceiling, limits.adaptive) for k in dict.fromkeys(kinds)
    }
    pools = {
        k: ThreadPoolExecutor(
            max_workers=min(window.ceiling, kinds.count(k)), thread_name_prefix=f"kc-{k.value}"
        )
        for k, window in windows.items()
    }

    sent: set[int] = set()  # indexes of the items whose write started

    def run(index: int, item: T, window: _Window) -> R:
        window.enter()
        if interrupt is not None and interrupt.is_set() and not_done is not None:
            window.release()
            return not_done(item, NOT_SENT)
        sent.add(index)
        before = conflicts() if conflicts else 0
        started = time.monotonic()
        try:
            result = work(item)
        finally:
            conflicted = (conflicts() if conflicts else 0) > before
            window.leave(time.monotonic() - started, conflicted)
        if on_done is not None:
            on_done(item, result)
        return result

    stopping = interrupt is not None and not_done is not None
    try:
        futures: list[Future[R]] = [
            pools[k].submit(run, i, item, windows[k])
            for i, (item, k) in enumerate(zip(items, kinds, strict=True))
        ]
        if not stopping:
            return [f.result() for f in futures]
        assert interrupt is not None and not_done is not None
        results: list[R] = []
        for i, (item, future) in enumerate(zip(items, futures, strict=True)):
            while True:
                try:
                    results.append(future.result(timeout=0.1))
                    break
                except FutureTimeout:
                    if interrupt.expired():
                        future.cancel()  # queued behind a stuck write: never starts
                        results.append(not_done(item, IN_FLIGHT if i in sent else NOT_SENT))
                        break
        return results
    finally:
        # After an interrupt whose grace passed, writes may still be in flight: do not wait
        # for them here (the CLI reports them and exits).
        left_running = stopping and interrupt is not None and interrupt.expired()
        for pool in pools.values():
            pool.shutdown(wait=not left_running, cancel_futures=True)


def for_each_connector(
    client: ConnectClient,
    names: Sequence[str],
    work: Callable[[str], R],
    *,
    what: str,
    kind: WriteKind,
    finished: Callable[[R], WriteFinished],
    concurrency: int | Concurrency | None,
    progress: Progress,
    interrupt: Interrupt | None = None,
    not_done: Callable[[str, str], R] | None = None,
) -> list[R]:
    """`work(name)` once for each distinct name, in parallel (`run_parallel`), in the order
    given: what `delete`, `pause`/`resume`/`stop` and `restart` do to many connectors.
    `progress` hears that `what` starts, and `finished(result)` as each connector is done;
    `interrupt` and `not_done` as for `run_parallel`."""
    unique = list(dict.fromkeys(names))
    if unique:
        progress(WritesStarted(what, len(unique)))
    return run_parallel(
        unique,
        work,
        kind=lambda _: kind,
        concurrency=concurrency,
        conflicts=client.stats.thread_conflicts,
        on_done=lambda _, result: progress(finished(result)),
        interrupt=interrupt,
        not_done=not_done,
    )


def write_error(
    name: str,
    write: Callable[[], object],
    *,
    propagate: tuple[type[KconnectError], ...] = (),
) -> str | None:
    """Run one connector's write for a bulk command: None when it went through, else the error
    to report for that connector (so the others go on). Errors in `propagate` are raised."""
    try:
        write()
    except propagate:
        raise
    except NotFoundError:
        return f"connector {name} not found"
    except KconnectError as exc:
        return exc.message
    return None
