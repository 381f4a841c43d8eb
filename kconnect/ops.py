"""Day-two operations: restart, pause/resume/stop, offsets, plugins, export, loggers, info.

Library code with no CLI or terminal concerns: functions take a `ConnectClient` and explicit
arguments and return frozen results that the CLI renders. Errors are `KconnectError`s.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kconnect.errors import (
    ApiError,
    ConnectError,
    KconnectError,
    NotFoundError,
    UsageError,
)

if TYPE_CHECKING:
    from kconnect.client import ConnectClient

log = logging.getLogger("kconnect.ops")

LOG_LEVELS = ("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL")
LOGGER_SCOPES = ("worker", "cluster")
# How long offsets commands wait for the connector to be STOPPED (status lags behind writes).
DEFAULT_STOP_TIMEOUT = 60.0


# -- restart --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestartResult:
    name: str
    restarting: tuple[str, ...]  # "connector", "task 0", ...
    include_tasks: bool = False
    only_failed: bool = False
    task: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "task": self.task,
            "include_tasks": self.include_tasks,
            "only_failed": self.only_failed,
            "restarting": list(self.restarting),
        }


def restart(
    client: ConnectClient,
    name: str,
    *,
    include_tasks: bool = False,
    only_failed: bool = False,
    task: int | None = None,
) -> RestartResult:
    """Restart a connector (KIP-745 options), or one task with `task`."""
    if task is not None:
        if include_tasks or only_failed:
            raise UsageError(
                "--task restarts one task; it cannot be combined with "
                "--include-tasks or --failed-only"
            )
        client.restart_task(name, task)
        return RestartResult(name, (f"task {task}",), task=task)
    body = client.restart(name, include_tasks=include_tasks, only_failed=only_failed)
    if body is None:  # 204: only the connector instance was restarted
        return RestartResult(name, ("connector",), include_tasks, only_failed)
    restarting: list[str] = []
    if (body.get("connector") or {}).get("state") == "RESTARTING":
        restarting.append("connector")
    for task_status in sorted(body.get("tasks") or [], key=lambda t: int(t.get("id", -1))):
        if task_status.get("state") == "RESTARTING":
            restarting.append(f"task {task_status.get('id')}")
    return RestartResult(name, tuple(restarting), include_tasks, only_failed)


# -- pause / resume / stop ------------------------------------------------------------------------

STATE_ACTIONS = {"pause": "PAUSED", "resume": "RUNNING", "stop": "STOPPED"}


@dataclass(frozen=True)
class StateChange:
    name: str
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class StateChangeReport:
    action: str
    changes: tuple[StateChange, ...]
    wait: Any = None  # kconnect.planning.apply.WaitResult when --wait was given

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
            "results": [{"name": c.name, "ok": c.ok, "error": c.error} for c in self.changes],
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
) -> StateChangeReport:
    """Pause, resume or stop each connector. A connector that does not exist is reported and
    the others still change; a worker without `stop` (before 3.5) raises
    `UnsupportedByWorker` at once, since no connector could be stopped."""
    request = {"pause": client.pause, "resume": client.resume, "stop": client.stop}[action]
    changes: list[StateChange] = []
    for name in dict.fromkeys(names):
        try:
            request(name)
            changes.append(StateChange(name, True))
        except NotFoundError:
            changes.append(StateChange(name, False, f"connector {name} not found"))
        except ApiError as exc:
            changes.append(StateChange(name, False, exc.message))
    waited = None
    if wait:
        from kconnect.model import TargetState
        from kconnect.planning.apply import wait_for_states

        target = TargetState(STATE_ACTIONS[action].lower())
        targets = {c.name: target for c in changes if c.ok}
        waited = wait_for_states(client, targets, timeout=timeout, poll_interval=poll_interval)
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
            log.info("status read failed while waiting for %s: %s", name, exc.message)
        if clock() >= deadline:
            return False
        sleep(poll_interval)


# -- offsets (KIP-875) ----------------------------------------------------------------------------


@dataclass(frozen=True)
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
        raise UsageError(f"{path}: cannot read the offsets file: {reason}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if isinstance(document, dict) and "kconnect_result_version" in document:
        document = document.get("data") or {}
    if isinstance(document, dict):
        if set(document) != {"offsets"} and not {"offsets", "name"} <= set(document):
            raise UsageError(f'{path}: expected {{"offsets": [...]}} or a list of offsets')
        document = document["offsets"]
    if not isinstance(document, list):
        raise UsageError(f"{path}: 'offsets' must be a list of {{partition, offset}} entries")
    if not document:
        raise UsageError(f"{path}: the file lists no offsets (use `offsets reset` to clear them)")
    return document


def check_offsets(offsets: Sequence[Any], connector_type: str, source: str) -> list[dict[str, Any]]:
    """Check entries client-side against what the worker accepts (KIP-875): every entry has a
    `partition` object and an `offset` object or null, with primitive values only; sink
    partitions are `{kafka_topic, kafka_partition}` and their offsets `{kafka_offset}`."""
    checked: list[dict[str, Any]] = []
    for i, entry in enumerate(offsets):
        where = f"{source}: offsets[{i}]"
        if not isinstance(entry, dict):
            raise UsageError(f"{where} must be an object with 'partition' and 'offset'")
        unknown = set(entry) - {"partition", "offset"}
        if unknown:
            raise UsageError(f"{where} has unknown key(s) {', '.join(sorted(unknown))}")
        if "partition" not in entry or "offset" not in entry:
            raise UsageError(f"{where} needs both 'partition' and 'offset' (null to reset)")
        partition, offset = entry["partition"], entry["offset"]
        if not isinstance(partition, dict) or not partition:
            raise UsageError(f"{where}.partition must be a non-empty object")
        if offset is not None and not isinstance(offset, dict):
            raise UsageError(f"{where}.offset must be an object, or null to reset the partition")
        for part, values in (("partition", partition), ("offset", offset or {})):
            for key, value in values.items():
                if isinstance(value, (dict, list)):
                    raise UsageError(
                        f"{where}.{part}.{key}: values must be strings, numbers, booleans or "
                        "null; Connect rejects nested objects and lists"
                    )
        if connector_type == "sink":
            _check_sink_offset(where, partition, offset)
        checked.append({"partition": partition, "offset": offset})
    return checked


def _check_sink_offset(where: str, partition: Mapping[str, Any], offset: Any) -> None:
    if set(partition) != {"kafka_topic", "kafka_partition"}:
        raise UsageError(
            f"{where}.partition: a sink connector's partition is "
            '{"kafka_topic": "<topic>", "kafka_partition": <int>}'
        )
    if not isinstance(partition["kafka_topic"], str) or not partition["kafka_topic"]:
        raise UsageError(f"{where}.partition.kafka_topic must be a topic name")
    if not _is_int(partition["kafka_partition"]) or partition["kafka_partition"] < 0:
        raise UsageError(f"{where}.partition.kafka_partition must be a partition number")
    if offset is not None:
        if set(offset) != {"kafka_offset"}:
            raise UsageError(
                f'{where}.offset: a sink connector\'s offset is {{"kafka_offset": <int>}} or null'
            )
        if not _is_int(offset["kafka_offset"]) or offset["kafka_offset"] < 0:
            raise UsageError(f"{where}.offset.kafka_offset must be a non-negative integer")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
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
            client.stop(name)
            stopped_here = True
        if not wait_for_state(
            client, name, "STOPPED", timeout=timeout, poll_interval=poll_interval
        ):
            raise KconnectError(
                f"{name} did not reach STOPPED within {timeout:.0f}s; its offsets were not changed"
            )
        message = _retry_while_stopping(
            lambda: (
                client.reset_offsets(name)
                if checked is None
                else client.alter_offsets(name, {"offsets": checked})
            ),
            timeout=timeout,
            poll_interval=poll_interval,
        )
    finally:
        if stopped_here:
            _restore(client, name, restore)
    return OffsetsChange(
        name, action, before, restore, message, None if checked is None else len(checked)
    )


def _retry_while_stopping(
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
        if state == "RUNNING":
            client.resume(name)
        elif state == "PAUSED":
            client.pause(name)
    except KconnectError as exc:
        verb = "resume" if state == "RUNNING" else "pause"
        raise KconnectError(
            f"{name} was left STOPPED: could not {verb} it ({exc.message}); "
            f"run `kconnect {verb} {name}`"
        ) from None


# -- plugins --------------------------------------------------------------------------------------


def list_plugins(client: ConnectClient, *, include_all: bool = False) -> list[dict[str, Any]]:
    """Installed plugins: connectors, or with `include_all` also transforms, predicates and
    converters (`connectorsOnly=false`, Connect 3.2+)."""
    return [
        {"class": p.get("class"), "type": p.get("type"), "version": p.get("version")}
        for p in client.plugins(connectors_only=not include_all)
    ]


@dataclass(frozen=True)
class PluginDescription:
    plugin: str
    configs: tuple[Mapping[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"plugin": self.plugin, "configs": [dict(c) for c in self.configs]}


def describe_plugin(client: ConnectClient, plugin: str) -> PluginDescription:
    """The plugin's config definitions (the worker shows PASSWORD defaults as `[hidden]`)."""
    rows = []
    for definition in client.plugin_config(plugin):
        rows.append(
            {
                "name": definition.get("name"),
                "type": definition.get("type"),
                "default": definition.get("default_value"),
                "importance": definition.get("importance"),
                "required": bool(definition.get("required")),
                "group": definition.get("group"),
                "documentation": definition.get("documentation") or "",
            }
        )
    return PluginDescription(plugin, tuple(rows))


# -- export ---------------------------------------------------------------------------------------

_STATE_KEYS = {"PAUSED": "paused", "STOPPED": "stopped"}


@dataclass(frozen=True)
class ExportedConnector:
    name: str
    filename: str
    text: str
    state: str | None
    variables: tuple[str, ...]

    def to_dict(self, directory: Path) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": str(directory / self.filename),
            "state": self.state,
            "variables": list(self.variables),
        }


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    connectors: tuple[ExportedConnector, ...]
    written: bool = True

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(v for c in self.connectors for v in c.variables)

    def to_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "connectors": [c.to_dict(self.directory) for c in self.connectors],
            "variables": list(self.variables),
        }


def export_connectors(
    client: ConnectClient,
    names: Sequence[str] = (),
    *,
    live: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[ExportedConnector]:
    """Read live connectors (one request unless `live` is given, plus one per connector class
    for its PASSWORD keys) and render each as a manifest with secrets replaced by `${VAR}`."""
    from kconnect.planning.plan import comparable_config, live_config, live_state

    if live is None:
        live = client.list_expanded()
    wanted = list(dict.fromkeys(names)) or sorted(live)
    missing = [n for n in wanted if n not in live]
    if missing:
        raise NotFoundError(
            404, f"Connector {missing[0]} not found", method="GET", path="/connectors"
        )
    worker_password_keys = _worker_password_keys(
        client, {live_config(live[n]).get("connector.class", "") for n in wanted}
    )
    used_files: set[str] = set()
    used_vars: set[str] = set()
    exported = []
    for name in wanted:
        config = comparable_config(live_config(live[name]))
        state = _STATE_KEYS.get(live_state(live[name]) or "")
        keys = worker_password_keys.get(config.get("connector.class", ""), frozenset())
        text, variables = render_manifest(name, config, state, keys, used_vars)
        exported.append(
            ExportedConnector(
                name, _unique(safe_filename(name), used_files), text, state, variables
            )
        )
    return exported


def _worker_password_keys(
    client: ConnectClient, classes: Iterable[str]
) -> dict[str, frozenset[str]]:
    """PASSWORD-typed keys per connector class, as the worker defines them; a class the worker
    cannot describe (old worker, missing plugin) falls back to our schemas and key names."""
    result: dict[str, frozenset[str]] = {}
    for cls in sorted(c for c in classes if c):
        try:
            definitions = client.plugin_config(cls)
        except ConnectError as exc:
            log.info("no config definitions for %s: %s", cls, exc.message)
            continue
        result[cls] = frozenset(
            str(d.get("name")) for d in definitions if d.get("type") == "PASSWORD"
        )
    return result


def render_manifest(
    name: str,
    config: Mapping[str, str],
    state: str | None,
    extra_password_keys: Collection[str] = (),
    used_variables: set[str] | None = None,
) -> tuple[str, tuple[str, ...]]:
    """One manifest as YAML text, and the `${VAR}` names it uses for its secret values.

    Every value is written so that kconnect's loader reads back exactly the same string:
    YAML quoting where a plain scalar would be reinterpreted, and `$${` for a literal `${`
    that `${VAR}` interpolation would otherwise expand. ConfigProvider references
    (`${file:...}`, `${env:...}`) are not secrets and stay as they are."""
    import yaml

    from kconnect.core import password_keys_for
    from kconnect.output.redaction import is_config_reference, is_secret_key

    used = used_variables if used_variables is not None else set()
    password_keys = set(password_keys_for(None, config)) | set(extra_password_keys)
    written: dict[str, str] = {}
    variables: list[str] = []
    for key in sorted(config):
        value = config[key]
        if value and is_secret_key(key, password_keys) and not is_config_reference(value):
            variable = _unique(env_variable_name(name, key), used, separator="_")
            variables.append(variable)
            written[key] = "${" + variable + "}"
        else:
            written[key] = escape_value(value)
    document: dict[str, Any] = {"name": escape_value(name)}
    if state:
        document["state"] = state
    document["config"] = written
    body = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=2**20
    )
    _check_round_trip(body, document)
    header = "# Exported by `kconnect export`.\n"
    if variables:
        header += "# Set before plan/apply: " + ", ".join(variables) + "\n"
    return header + body, tuple(variables)


def escape_value(value: str) -> str:
    """The text that `${VAR}` interpolation turns back into `value` (`$${` → `${`)."""
    from kconnect.interpolate import InterpolationError, interpolate

    if "${" not in value:
        return value
    try:
        if interpolate(value, {}).text == value:
            return value  # e.g. `${file:/path:key}`: the loader leaves it alone
    except InterpolationError:
        pass
    return value.replace("${", "$${")


def _check_round_trip(text: str, document: Mapping[str, Any]) -> None:
    """Read the YAML back the way the manifest loader does (node values, not constructed
    objects) and make sure every value is what we meant to write."""
    import yaml

    null_tag = "tag:yaml.org,2002:null"
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    read: dict[str, Any] = {}
    if not isinstance(root, yaml.MappingNode):
        raise KconnectError("internal error: export produced YAML that is not a mapping")
    ok = True
    for key_node, value_node in root.value:
        if isinstance(value_node, yaml.MappingNode):
            pairs = [(k, v) for k, v in value_node.value]
            ok = ok and all(
                isinstance(v, yaml.ScalarNode) and null_tag not in (k.tag, v.tag) for k, v in pairs
            )
            read[key_node.value] = {k.value: v.value for k, v in pairs}
        else:
            ok = ok and value_node.tag != null_tag
            read[key_node.value] = value_node.value
    if not ok or read != dict(document):
        raise KconnectError("internal error: export produced YAML that does not read back exactly")


def env_variable_name(connector: str, key: str) -> str:
    """`mydb-connector` + `database.password` → `MYDB_CONNECTOR_DATABASE_PASSWORD`."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", f"{connector}_{key}").strip("_").upper()
    if not name or name[0].isdigit():
        name = "_" + name
    return name


def safe_filename(name: str) -> str:
    """A portable file name for a connector: letters, digits, `.`, `_` and `-` only."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:100] or "connector"
    return stem + ".yaml"


def _unique(candidate: str, used: set[str], separator: str = "-") -> str:
    """`candidate`, or with `-2`, `-3`, ... before its `.yaml` suffix (or `_2`, ... for
    variable names); compared case-insensitively, as file systems on macOS and Windows do."""
    stem, suffix = (candidate[:-5], ".yaml") if candidate.endswith(".yaml") else (candidate, "")
    result, n = candidate, 1
    while result.lower() in used:
        n += 1
        result = f"{stem}{separator}{n}{suffix}"
    used.add(result.lower())
    return result


def write_export(
    directory: Path, connectors: Sequence[ExportedConnector], *, force: bool = False
) -> ExportResult:
    """Write one file per connector. Existing files are never overwritten without `force`:
    they may be hand-edited manifests."""
    existing = [c.filename for c in connectors if (directory / c.filename).exists()]
    if existing and not force:
        raise UsageError(
            f"{directory}: {', '.join(existing)} already exist(s); use --force to overwrite"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for connector in connectors:
            (directory / connector.filename).write_text(connector.text, encoding="utf-8")
    except OSError as exc:
        raise KconnectError(f"{directory}: cannot write the export: {exc.strerror}") from None
    return ExportResult(directory, tuple(connectors))


# -- loggers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggerChange:
    logger: str
    level: str
    scope: str
    changed: tuple[str, ...] | None  # None for scope=cluster (204, applied by every worker)
    cluster_ignored: bool = False  # a pre-3.7 worker applied a cluster request locally only

    def to_dict(self) -> dict[str, Any]:
        return {
            "logger": self.logger,
            "level": self.level,
            "scope": self.scope,
            "changed": list(self.changed) if self.changed is not None else None,
            "cluster_scope_ignored": self.cluster_ignored,
        }


def check_level(level: str) -> str:
    upper = level.upper()
    if upper not in LOG_LEVELS:
        raise UsageError(f"invalid log level {level!r} (choose from {', '.join(LOG_LEVELS)})")
    return upper


def set_logger(client: ConnectClient, logger: str, level: str, scope: str) -> LoggerChange:
    level = check_level(level)
    if scope not in LOGGER_SCOPES:
        raise UsageError(f"--scope must be worker or cluster, not {scope!r}")
    changed = client.set_logger(logger, level, scope=scope)
    if scope == "cluster":
        # Before 3.7 (KIP-976) the worker ignores `scope` and answers with its own list.
        ignored = changed is not None
        return LoggerChange(
            logger, level, scope, tuple(changed or ()) if ignored else None, ignored
        )
    return LoggerChange(logger, level, scope, tuple(changed or ()))


def loggers(client: ConnectClient, name: str | None = None) -> dict[str, dict[str, Any]]:
    """All loggers, or one (`root` is the root logger); `last_modified` is 3.7+."""
    if name is None:
        return dict(sorted(client.loggers().items()))
    return {name: client.logger(name)}


# -- info -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Info:
    kconnect_version: str
    url: str
    context: str | None
    worker: Mapping[str, Any] | None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kconnect_version": self.kconnect_version,
            "url": self.url,
            "context": self.context,
            "worker": dict(self.worker) if self.worker is not None else None,
            "error": self.error,
        }


def info(client: ConnectClient, context: str | None) -> Info:
    """kconnect's version and the worker's (`GET /`: version, commit, Kafka cluster id)."""
    from kconnect import __version__

    url = redact_url(client.settings.url)
    try:
        worker = client.server_info()
    except ConnectError as exc:
        return Info(__version__, url, context, None, exc.message)
    return Info(__version__, url, context, worker)


def redact_url(url: str) -> str:
    """A URL without any `user:password@` part."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", r"\1", url)
