"""Pause, resume and stop connectors, and waiting for one to reach a state."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from kconnect.errors import ConnectError, NotFoundError, UnsupportedByWorker
from kconnect.ops import writes
from kconnect.ops.bulk import Concurrency, Interrupt, WriteKind, for_each_connector, write_error
from kconnect.progress import Progress, WriteFinished, ignore
from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

log = logging.getLogger("kconnect.ops")


STATE_ACTIONS = {"pause": "PAUSED", "resume": "RUNNING", "stop": "STOPPED"}
DONE_WORDS = {"pause": "paused", "resume": "resumed", "stop": "stopped"}


@record
class StateChange:
    name: str
    ok: bool
    error: str | None = None
    interrupted: bool = False  # Ctrl-C: never sent, or left in flight (see `error`)


@record
class StateChangeReport:
    action: str
    changes: tuple[StateChange, ...]
    wait: Any = None  # kconnect.ops.wait.WaitResult when --wait was given

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.changes)

    @property
    def reached(self) -> bool:
        return self.wait is None or bool(self.wait.ok)

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "target_state": STATE_ACTIONS[self.action],
            "results": [
                {"name": c.name, "ok": c.ok, "error": c.error}
                | ({"interrupted": True} if c.interrupted else {})
                for c in self.changes
            ],
            "wait": self.wait.to_dict() if self.wait is not None else None,
        }


def change_state(
    client: ConnectClient,
    names: Sequence[str],
    action: str,
    *,
    wait: bool = False,
    timeout: float = 60.0,
    poll_interval: float = 1.0,
    concurrency: int | Concurrency | None = None,
    progress: Progress = ignore,
    interrupt: Interrupt | None = None,
) -> StateChangeReport:
    """Pause, resume or stop each connector, in parallel. A connector that does not exist, or
    whose change fails, is reported and the others still change; an unknown outcome is
    re-read (`kconnect.ops.writes`). A worker without `stop` (before 3.5) raises
    `UnsupportedByWorker` at once, since no connector could be stopped."""
    state = STATE_ACTIONS[action]

    def change(name: str) -> StateChange:
        error = write_error(
            name,
            lambda: writes.set_state(client, name, state),
            propagate=(UnsupportedByWorker,),
        )
        return StateChange(name, error is None, error)

    changes = for_each_connector(
        client,
        names,
        change,
        what=action,
        kind=WriteKind.STATE,
        finished=lambda c: WriteFinished(c.name, c.ok, DONE_WORDS[action], c.error),
        concurrency=concurrency,
        progress=progress,
        interrupt=interrupt,
        not_done=lambda name, why: StateChange(name, False, why, interrupted=True),
    )
    waited = None
    if wait and not (interrupt is not None and interrupt.is_set()):
        from kconnect.manifests.model import TargetState
        from kconnect.ops.wait import wait_for_states

        target = TargetState(state.lower())
        targets = {c.name: target for c in changes if c.ok}
        waited = wait_for_states(
            client,
            targets,
            timeout=timeout,
            poll_interval=poll_interval,
            progress=progress,
            interrupt=interrupt,
        )
    return StateChangeReport(action, tuple(changes), waited)


def wait_for_state(
    client: ConnectClient,
    name: str,
    target: str,
    *,
    timeout: float,
    poll_interval: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Poll one connector's status until it and its tasks are in `target`; False on timeout."""
    from kconnect.health import connector_health, reached

    deadline = clock() + timeout
    while True:
        try:
            if reached(connector_health(name, client.status(name)), target):
                return True
        except NotFoundError:
            raise
        except ConnectError as exc:
            if client.reachability.is_open:
                raise  # silent for the whole unreachable budget: dead, not restarting
            log.info("status read failed while waiting for %s: %s", name, exc.message)
        if clock() >= deadline:
            return False
        sleep(poll_interval)
