"""Progress events: what long work (parallel writes, `--wait`) reports while it runs.

The core emits these to an optional callback and knows nothing of how they are shown; the
CLI's renderer (`kconnect.cli.progress`) draws a live display in a terminal and plain lines
in a CI log. Callbacks may be called from the executor's worker threads: a renderer locks.
Text in events (errors, traces) is already redacted of known secrets; a renderer still
sanitises it for the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Union

from kconnect.records import field, record

if TYPE_CHECKING:
    from kconnect.health import ConnectorHealth


@record
class WritesStarted:
    """`total` writes (one per connector) are about to run; `what` names the command."""

    what: str
    total: int


@record
class WriteFinished:
    name: str
    ok: bool
    done: str  # what was done ("created", "updated, paused") or tried ("update")
    error: str | None = None


@record
class WaitStarted:
    targets: Mapping[str, str]  # connector -> the state it must reach
    timeout: float


@record
class WaitPolled:
    """One round of `--wait`: the state of every connector still waited for and of those
    that finished this round."""

    elapsed: float
    timeout: float
    connectors: tuple[ConnectorHealth, ...]
    reached: frozenset[str] = field(default_factory=frozenset)
    failed: frozenset[str] = field(default_factory=frozenset)
    read_error: str | None = None  # the status read failed this round (worker restarting)
    # A FAILED connector or task right now, before the verdict (`failed`) that waits out the
    # grace for a stale status: shown as failed at once, dropped if it recovers.
    failing: frozenset[str] = field(default_factory=frozenset)


ProgressEvent = Union[WritesStarted, WriteFinished, WaitStarted, WaitPolled]  # noqa: UP007
Progress = Callable[[ProgressEvent], None]


def ignore(event: ProgressEvent) -> None:
    """The default callback: library callers that want no progress get none."""
