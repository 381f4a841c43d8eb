"""Reading, resetting and setting connector offsets (KIP-875)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kconnect.errors import ApiError, InputError, KconnectError
from kconnect.ops import writes
from kconnect.ops.state import wait_for_state
from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

log = logging.getLogger("kconnect.ops")

# How long offsets commands wait for the connector to be STOPPED (status lags behind writes).
DEFAULT_STOP_TIMEOUT = 60.0


@record
class OffsetsReport:
    name: str
    type: str
    state: str | None
    offsets: tuple[Mapping[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "state": self.state,
            "offsets": [dict(o) for o in self.offsets],
        }


def get_offsets(client: ConnectClient, name: str) -> OffsetsReport:
    info = client.connector(name)  # 404 with the worker's message for an unknown connector
    status = client.status(name)
    offsets = client.offsets(name).get("offsets") or []
    return OffsetsReport(
        name,
        str(info.get("type") or "unknown"),
        (status.get("connector") or {}).get("state"),
        tuple(offsets),
    )


def read_offsets_file(path: Path) -> list[dict[str, Any]]:
    """Offsets from a JSON file: `{"offsets": [...]}` (what the worker's GET returns), a bare
    list, or the `-o json` envelope of `kconnect offsets get`. Shape errors name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"{path}: cannot read the offsets file: {reason}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if isinstance(document, dict) and "kconnect_result_version" in document:
        document = document.get("data") or {}
    if isinstance(document, dict):
        if set(document) != {"offsets"} and not {"offsets", "name"} <= set(document):
            raise InputError(f'{path}: expected {{"offsets": [...]}} or a list of offsets')
        document = document["offsets"]
    if not isinstance(document, list):
        raise InputError(f"{path}: 'offsets' must be a list of {{partition, offset}} entries")
    if not document:
        raise InputError(f"{path}: the file lists no offsets (use `offsets reset` to clear them)")
    return document


def check_offsets(offsets: Sequence[Any], connector_type: str, source: str) -> list[dict[str, Any]]:
    """Check entries client-side against what the worker accepts (KIP-875): every entry has a
    `partition` object and an `offset` object or null, with primitive values only; sink
    partitions are `{kafka_topic, kafka_partition}` and their offsets `{kafka_offset}`."""
    checked: list[dict[str, Any]] = []
    for i, entry in enumerate(offsets):
        where = f"{source}: offsets[{i}]"
        if not isinstance(entry, dict):
            raise InputError(f"{where} must be an object with 'partition' and 'offset'")
        unknown = set(entry) - {"partition", "offset"}
        if unknown:
            raise InputError(f"{where} has unknown key(s) {', '.join(sorted(unknown))}")
        if "partition" not in entry or "offset" not in entry:
            raise InputError(f"{where} needs both 'partition' and 'offset' (null to reset)")
        partition, offset = entry["partition"], entry["offset"]
        if not isinstance(partition, dict) or not partition:
            raise InputError(f"{where}.partition must be a non-empty object")
        if offset is not None and not isinstance(offset, dict):
            raise InputError(f"{where}.offset must be an object, or null to reset the partition")
        for part, values in (("partition", partition), ("offset", offset or {})):
            for key, value in values.items():
                if isinstance(value, (dict, list)):
                    raise InputError(
                        f"{where}.{part}.{key}: values must be strings, numbers, booleans or "
                        "null; Connect rejects nested objects and lists"
                    )
        if connector_type == "sink":
            _check_sink_offset(where, partition, offset)
        checked.append({"partition": partition, "offset": offset})
    return checked


def _check_sink_offset(where: str, partition: Mapping[str, Any], offset: Any) -> None:
    if set(partition) != {"kafka_topic", "kafka_partition"}:
        raise InputError(
            f"{where}.partition: a sink connector's partition is "
            '{"kafka_topic": "<topic>", "kafka_partition": <int>}'
        )
    if not isinstance(partition["kafka_topic"], str) or not partition["kafka_topic"]:
        raise InputError(f"{where}.partition.kafka_topic must be a topic name")
    if not _is_int(partition["kafka_partition"]) or partition["kafka_partition"] < 0:
        raise InputError(f"{where}.partition.kafka_partition must be a partition number")
    if offset is not None:
        if set(offset) != {"kafka_offset"}:
            raise InputError(
                f'{where}.offset: a sink connector\'s offset is {{"kafka_offset": <int>}} or null'
            )
        if not _is_int(offset["kafka_offset"]) or offset["kafka_offset"] < 0:
            raise InputError(f"{where}.offset.kafka_offset must be a non-negative integer")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@record
class OffsetsChange:
    name: str
    action: str  # "reset" or "set"
    state_before: str
    state_after: str
    message: str
    partitions: int | None = None  # entries sent with `set`

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "action": self.action,
            "state_before": self.state_before,
            "state_after": self.state_after,
            "partitions": self.partitions,
            "message": self.message,
        }


def change_offsets(
    client: ConnectClient,
    name: str,
    offsets: Sequence[Any] | None,
    *,
    confirm: Callable[[str], None],
    source: str = "offsets",
    timeout: float = DEFAULT_STOP_TIMEOUT,
    poll_interval: float = 0.5,
) -> OffsetsChange:
    """Reset (`offsets=None`) or alter a connector's offsets, which Connect allows only while
    it is STOPPED: stop it, wait until the worker reports STOPPED, change the offsets, then
    put it back in the state it had (RUNNING → resume, PAUSED → pause, STOPPED → leave).

    `confirm(question)` is called once the plan is known and before any write; it raises to
    cancel. If anything fails after the stop, the previous state is still restored."""
    info = client.connector(name)
    connector_type = str(info.get("type") or "unknown")
    checked = check_offsets(offsets, connector_type, source) if offsets is not None else None
    status = client.status(name)
    before = str((status.get("connector") or {}).get("state") or "UNKNOWN")
    restore = {"STOPPED": "STOPPED", "PAUSED": "PAUSED"}.get(before, "RUNNING")
    action = "reset" if checked is None else "set"
    what = (
        "reset all its offsets"
        if checked is None
        else f"set the offsets of {len(checked)} partition(s)"
    )
    if before == "STOPPED":
        confirm(f"{name} is STOPPED: {what}?")
    else:
        then = "resume it" if restore == "RUNNING" else "pause it again"
        confirm(f"Stop {name} (now {before}), {what}, then {then}?")
    stopped_here = False
    try:
        if before != "STOPPED":
            writes.set_state(client, name, "STOPPED")
            stopped_here = True
        if not wait_for_state(
            client, name, "STOPPED", timeout=timeout, poll_interval=poll_interval
        ):
            raise KconnectError(
                f"{name} did not reach STOPPED within {timeout:.0f}s; its offsets were not changed"
            )
        message = writes.change_offsets(
            client,
            name,
            lambda: retry_while_stopping(
                lambda: (
                    client.reset_offsets(name)
                    if checked is None
                    else client.alter_offsets(name, {"offsets": checked})
                ),
                timeout=timeout,
                poll_interval=poll_interval,
            ),
        )
    finally:
        if stopped_here:
            _restore(client, name, restore)
    return OffsetsChange(
        name, action, before, restore, message, None if checked is None else len(checked)
    )


def retry_while_stopping(
    request: Callable[[], str], *, timeout: float, poll_interval: float
) -> str:
    """The worker that answers may see the STOPPED target state a moment later than the one
    that reported it: retry its 400 "must be in the STOPPED state" for a bounded time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return request()
        except ApiError as exc:
            if "must be in the STOPPED state" not in exc.worker_message:
                raise
            if time.monotonic() >= deadline:
                raise
            log.info("connector not yet STOPPED on the leader; retrying the offsets request")
            time.sleep(poll_interval)


def _restore(client: ConnectClient, name: str, state: str) -> None:
    try:
        if state in ("RUNNING", "PAUSED"):
            writes.set_state(client, name, state)
    except KconnectError as exc:
        verb = "resume" if state == "RUNNING" else "pause"
        raise KconnectError(
            f"{name} was left STOPPED: could not {verb} it ({exc.message}); "
            f"run `kconnect {verb} {name}`"
        ) from None
