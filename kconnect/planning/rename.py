"""Renames that keep their offsets (`moved_from:`, like Terraform's `moved` block).

Connect has no rename, and offsets belong to the connector's name: source offsets are keyed
by it in the offsets topic, a sink's consumer group is `connect-<name>`. So a rename is:

1. stop OLD (KIP-875, 3.5+) and wait until it is STOPPED: its offsets no longer move;
2. read OLD's offsets (`GET /connectors/OLD/offsets`);
3. create NEW with `initial_state: STOPPED` (KIP-980, 3.7+): it processes nothing yet;
4. write OLD's offsets to NEW (`PATCH /connectors/NEW/offsets`, 3.6+), after clearing any
   offsets NEW's name already had (a connector of that name may have existed before);
5. bring NEW to its declared state;
6. delete OLD, last.

Every step is resumable: the plan shows the rename as long as OLD exists, and each step
first looks at what is already done. NEW in a state other than STOPPED has been through
step 5 (it was created STOPPED), so its offsets are never rewritten: that would send again
what it already processed. NEW still STOPPED gets OLD's offsets unless it already holds
exactly them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kconnect.errors import KconnectError, NotFoundError
from kconnect.manifests.model import Manifest, TargetState
from kconnect.ops import writes
from kconnect.ops.offsets import DEFAULT_STOP_TIMEOUT, retry_while_stopping
from kconnect.ops.state import wait_for_state

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

log = logging.getLogger("kconnect.planning.rename")


class RenameError(KconnectError):
    """A rename could not go on; what was done so far is kept, and a new run resumes it."""


def _state(client: ConnectClient, name: str, timeout: float) -> str | None:
    """The connector's settled state (RUNNING, PAUSED, STOPPED, FAILED), None when it does
    not exist. Status lags behind writes: a connector just created answers 404 "No status
    found" for a moment, then UNASSIGNED; neither says whether it ever ran, so wait."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = client.status(name)
            state = str((status.get("connector") or {}).get("state") or "UNASSIGNED")
        except NotFoundError:
            try:
                client.connector(name)
            except NotFoundError:
                return None
            state = "UNKNOWN"
        if state not in ("UNASSIGNED", "RESTARTING", "UNKNOWN"):
            return state
        if time.monotonic() >= deadline:
            raise RenameError(
                f"{name} reported no settled state within {timeout:.0f}s (last: {state}); the "
                "rename stopped here and resumes on the next run"
            )
        time.sleep(0.25)


def _stopped(client: ConnectClient, name: str, state: str, timeout: float) -> None:
    if state != "STOPPED":
        writes.set_state(client, name, "STOPPED")
    if not wait_for_state(client, name, "STOPPED", timeout=timeout):
        raise RenameError(
            f"{name} did not reach STOPPED within {timeout:.0f}s; the rename stopped here and "
            "resumes on the next run"
        )


def _canonical(offsets: list[Mapping[str, Any]]) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in offsets if o.get("offset") is not None)


def rename(
    client: ConnectClient,
    old: str,
    manifest: Manifest,
    steps: list[str],
    *,
    timeout: float = DEFAULT_STOP_TIMEOUT,
) -> None:
    """Carry `old`'s offsets over to `manifest.name` and replace it; see the module doc."""
    new = manifest.name
    old_state = _state(client, old, timeout)
    new_state = _state(client, new, timeout)
    if old_state is None:
        if new_state is None:
            raise RenameError(f"neither {old} nor {new} exists any more; nothing to rename")
        return  # a concurrent run finished it
    # 1-2. OLD stopped, its offsets read.
    _stopped(client, old, old_state, timeout)
    if old_state != "STOPPED":
        steps.append(f"stopped {old}")
    offsets = list(client.offsets(old).get("offsets") or [])
    # 3. NEW created STOPPED (or found from an interrupted run).
    if new_state is None:
        writes.create(client, new, manifest.config, "STOPPED")
        steps.append(f"created {new} STOPPED")
        new_state = _state(client, new, timeout)
        if new_state != "STOPPED":
            raise RenameError(f"{new} was created STOPPED but reports {new_state}")
    elif new_state == "STOPPED":
        writes.put_config(client, new, dict(manifest.config))
    if new_state == "STOPPED":
        # 4. OLD's offsets written to NEW, unless it holds exactly them already.
        if not wait_for_state(client, new, "STOPPED", timeout=timeout):
            raise RenameError(
                f"{new} did not reach STOPPED within {timeout:.0f}s; no offsets were written; "
                "the rename resumes on the next run"
            )
        held = list(client.offsets(new).get("offsets") or [])
        if _canonical(held) != _canonical(offsets):
            if held:
                retry_while_stopping(
                    lambda: client.reset_offsets(new), timeout=timeout, poll_interval=0.5
                )
            if offsets:
                retry_while_stopping(
                    lambda: client.alter_offsets(new, {"offsets": offsets}),
                    timeout=timeout,
                    poll_interval=0.5,
                )
            steps.append(f"carried {len(offsets)} offset(s) over")
        # 5. NEW in its declared state.
        if manifest.state is not TargetState.STOPPED:
            writes.set_state(client, new, manifest.state.worker_state)
            steps.append("resumed" if manifest.state is TargetState.RUNNING else "paused")
    else:
        log.info("%s is %s: its offsets were carried over by an earlier run", new, new_state)
    # 6. OLD deleted, last.
    with contextlib.suppress(NotFoundError):  # gone already: a concurrent run deleted it
        writes.delete(client, old)
    steps.append(f"deleted {old}")
