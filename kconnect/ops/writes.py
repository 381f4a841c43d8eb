"""Writes to one connector with the unknown-outcome policy, shared by `apply` and the
multi-connector commands.

When the worker's answer to a write is lost (its 500 "Request timed out" — the operation
keeps running —, a read timeout, a connection reset after sending), the client raises
`UnknownOutcome` and never repeats the write itself. Here the connector is re-read: if the
change is there it counts as done; if not, the write is sent again only where repeating it
cannot do harm (delete, pause, resume, stop are idempotent; a config PUT states the whole
config). Restarts are not repeated: a second restart is a second disruption.

When the worker (or a proxy, gateway or load balancer in front of it) answers a write with
something Connect never sends for it — another status, a body of the wrong shape, a redirect —
the client raises `UnexpectedAnswer`. The write is then never shown as done: the connector
is re-read and what the worker really holds is added to the error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from kconnect.errors import ConnectError, NotFoundError, UnexpectedAnswer, UnknownOutcome

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

log = logging.getLogger("kconnect.ops")

T = TypeVar("T")


def confirmed(write: Callable[[], T], reread: Callable[[], str]) -> T:
    """`write()`, whose unexpected answer becomes an error saying what `reread()` found: the
    write is reported as not confirmed, whatever the worker holds now."""
    try:
        return write()
    except UnexpectedAnswer as exc:
        log.info("%s; re-reading to learn what happened", exc.message)
        try:
            found = reread()
        except ConnectError as error:
            found = f"re-reading it failed too: {error.message}"
        raise type(exc)(
            exc.status, f"{exc.worker_message}; {found}", method=exc.method, path=exc.path
        ) from None


def _found_connector(client: ConnectClient, name: str, *, wanted: bool) -> str:
    try:
        client.connector(name)
    except NotFoundError:
        return f"re-read: connector {name} does not exist" + ("" if wanted else " now")
    return f"re-read: connector {name} exists" + (" now" if wanted else ", it was not deleted")


def _found_config(client: ConnectClient, name: str, config: Mapping[str, str]) -> str:
    try:
        live = client.config(name)
    except NotFoundError:
        return f"re-read: connector {name} does not exist, it was not created"
    if _same_config(live, config):
        return f"re-read: connector {name} holds the manifest's config"
    return f"re-read: connector {name} holds another config, the change was not applied"


def _found_state(client: ConnectClient, name: str, wanted: str | None = None) -> str:
    status = client.status(name)
    state = str((status.get("connector") or {}).get("state") or "UNKNOWN")
    tasks = [t for t in status.get("tasks") or [] if isinstance(t, dict)]
    shown = ", ".join(f"task {t.get('id')} {t.get('state')}" for t in tasks[:5])
    found = f"re-read: connector {name} is {state}" + (f" ({shown})" if shown else "")
    if wanted is not None and state != wanted:
        found += f", not {wanted}"
    return found


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
    confirmed(lambda: _delete(client, name), lambda: _found_connector(client, name, wanted=False))


def _delete(client: ConnectClient, name: str) -> None:
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
    confirmed(lambda: _set_state(client, name, state), lambda: _found_state(client, name, state))


def _set_state(client: ConnectClient, name: str, state: str) -> None:
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
    _config_write(
        client, name, config, lambda: client.put_config(name, config), "the connector's config"
    )


def create(
    client: ConnectClient, name: str, config: Mapping[str, str], initial_state: str | None
) -> None:
    """`POST /connectors` (with `initial_state`, KIP-980)."""
    _config_write(
        client, name, config, lambda: client.create(name, config, initial_state), "the connector"
    )


def _config_write(
    client: ConnectClient,
    name: str,
    config: Mapping[str, str],
    write: Callable[[], object],
    rereading: str,
) -> None:
    """A write that sets `name`'s config (create, PUT config), confirmed by re-reading it:
    after an unknown outcome it is sent again only when the live config is not `config`."""

    def once() -> None:
        try:
            write()
            return
        except UnknownOutcome as exc:
            unknown = exc
        log.info("%s: %s; re-reading %s", name, unknown.message, rereading)
        if not _live_config_equals(client, name, config, unknown):
            write()

    confirmed(once, lambda: _found_config(client, name, config))


def _live_config_equals(
    client: ConnectClient, name: str, config: Mapping[str, str], unknown: UnknownOutcome
) -> bool:
    try:
        live = client.config(name)
    except NotFoundError:
        return False
    except ConnectError as error:
        raise _reread_failed(unknown, error) from None
    return _same_config(live, config)


def _same_config(live: Mapping[str, str], config: Mapping[str, str]) -> bool:
    from kconnect.api.live import comparable_config

    return comparable_config(live) == comparable_config(config)


def restart(
    client: ConnectClient, name: str, *, include_tasks: bool, only_failed: bool
) -> dict[str, Any] | None:
    """`POST /connectors/{name}/restart`; after an unknown outcome, the status tells whether
    a restart is under way (RESTARTING, or UNASSIGNED while the instance starts again)."""
    return confirmed(
        lambda: _restart(client, name, include_tasks=include_tasks, only_failed=only_failed),
        lambda: _found_state(client, name),
    )


def _restart(
    client: ConnectClient, name: str, *, include_tasks: bool, only_failed: bool
) -> dict[str, Any] | None:
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


def restart_task(client: ConnectClient, name: str, task: int) -> None:
    """`POST /connectors/{name}/tasks/{task}/restart`."""
    confirmed(lambda: client.restart_task(name, task), lambda: _found_state(client, name))


def change_offsets(client: ConnectClient, name: str, request: Callable[[], str]) -> str:
    """Alter or reset offsets (`request`); an unexpected answer says what the worker lists."""

    def found() -> str:
        listed = client.offsets(name).get("offsets") or []
        return (
            f"re-read: the worker lists {len(listed)} partition offset(s) for {name}; check "
            f"them with `kconnect offsets get {name}`"
        )

    return confirmed(request, found)


def set_logger(client: ConnectClient, logger: str, level: str, scope: str) -> list[str] | None:
    """`PUT /admin/loggers/{logger}`; an unexpected answer says the level the worker reports."""

    def found() -> str:
        now = client.logger(logger).get("level")
        return f"re-read: logger {logger} is at level {now} on the worker that answered"

    return confirmed(lambda: client.set_logger(logger, level, scope=scope), found)
