"""Writes to one connector with the unknown-outcome policy, shared by `apply` and the
multi-connector commands.

When the worker's answer to a write is lost (its 500 "Request timed out" — the operation
keeps running —, a read timeout, a connection reset after sending), the client raises
`UnknownOutcome` and never repeats the write itself. Here the connector is re-read: if the
change is there it counts as done; if not, the write is sent again only where repeating it
cannot do harm (delete, pause, resume, stop are idempotent; a config PUT states the whole
config). Restarts are not repeated: a second restart is a second disruption.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kconnect.errors import ConnectError, NotFoundError, UnknownOutcome

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

log = logging.getLogger("kconnect.ops")


def _reread_failed(exc: UnknownOutcome, error: ConnectError) -> UnknownOutcome:
    return UnknownOutcome(f"{exc.message}; re-reading the connector failed: {error.message}")


def _status_after(client: ConnectClient, name: str, unknown: UnknownOutcome) -> dict[str, Any]:
    """The connector's status after a write with an unknown outcome: the status says what
    happened, so the write is not blindly repeated."""
    log.info("%s: %s; re-reading the connector's status", name, unknown.message)
    try:
        return client.status(name)
    except ConnectError as error:
        raise _reread_failed(unknown, error) from None


def delete(client: ConnectClient, name: str) -> None:
    """Delete `name`; a 404 on the first request raises `NotFoundError` (nothing to delete)."""
    try:
        client.delete(name)
        return
    except UnknownOutcome as exc:
        unknown = exc
    log.info("%s: %s; re-reading the connector", name, unknown.message)
    try:
        client.connector(name)
    except NotFoundError:
        return  # gone: the delete happened
    except ConnectError as error:
        raise _reread_failed(unknown, error) from None
    # Still there: the worker may not have got to it, or may still be at it. Asking again is
    # safe, and a 404 now means the first request deleted it.
    try:
        client.delete(name)
    except NotFoundError:
        return


STATE_REQUESTS: dict[str, str] = {"PAUSED": "pause", "RUNNING": "resume", "STOPPED": "stop"}


def set_state(client: ConnectClient, name: str, state: str) -> None:
    """Put `name` in the worker state `state` (PAUSED, RUNNING or STOPPED)."""
    request: Callable[[str], None] = getattr(client, STATE_REQUESTS[state])
    try:
        request(name)
        return
    except UnknownOutcome as exc:
        unknown = exc
    status = _status_after(client, name, unknown)
    if (status.get("connector") or {}).get("state") == state:
        return
    request(name)  # idempotent, and status may simply lag behind the write


def put_config(client: ConnectClient, name: str, config: Mapping[str, str]) -> None:
    try:
        client.put_config(name, config)
        return
    except UnknownOutcome as exc:
        unknown = exc
    log.info("%s: %s; re-reading the connector's config", name, unknown.message)
    if not _live_config_equals(client, name, config, unknown):
        client.put_config(name, config)


def create(
    client: ConnectClient, name: str, config: Mapping[str, str], initial_state: str | None
) -> None:
    """`POST /connectors` (with `initial_state`, KIP-980)."""
    try:
        client.create(name, config, initial_state)
        return
    except UnknownOutcome as exc:
        unknown = exc
    log.info("%s: %s; re-reading the connector", name, unknown.message)
    if not _live_config_equals(client, name, config, unknown):
        client.create(name, config, initial_state)


def _live_config_equals(
    client: ConnectClient, name: str, config: Mapping[str, str], unknown: UnknownOutcome
) -> bool:
    from kconnect.api.live import comparable_config

    try:
        live = client.config(name)
    except NotFoundError:
        return False
    except ConnectError as error:
        raise _reread_failed(unknown, error) from None
    return comparable_config(live) == comparable_config(config)


def restart(
    client: ConnectClient, name: str, *, include_tasks: bool, only_failed: bool
) -> dict[str, Any] | None:
    """`POST /connectors/{name}/restart`; after an unknown outcome, the status tells whether
    a restart is under way (RESTARTING, or UNASSIGNED while the instance starts again)."""
    try:
        return client.restart(name, include_tasks=include_tasks, only_failed=only_failed)
    except UnknownOutcome as exc:
        unknown = exc
    status = _status_after(client, name, unknown)
    states = [(status.get("connector") or {}).get("state")]
    states += [t.get("state") for t in status.get("tasks") or [] if isinstance(t, dict)]
    if "RESTARTING" in states:
        return status
    raise UnknownOutcome(
        f"{unknown.message}; its status shows no restart under way "
        f"(connector {states[0] or 'UNKNOWN'}): run `kconnect restart {name}` again if it "
        "still needs one"
    )
