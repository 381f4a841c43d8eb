"""An in-process fake of a *distributed* Kafka Connect worker, served over real HTTP.

The behaviour follows ../shared/reference/connect-rest-api.md (what connect-runtime
4.3.0 and 3.9.0 actually answer): status codes, `{"error_code","message"}` bodies and message
texts are copied from there. Where this fake and a real worker disagree, the real worker wins:
the contract suite in tests/contract runs the same assertions against both.

Usage::

    with FakeConnect(version="4.3.0") as fake:
        httpx.put(f"{fake.url}/connectors/src/config", json={...})
        fake.inject(method="PUT", path=r"/connectors/src/config", status=409, message="...")

State can be arranged and inspected without HTTP (`add_connector`, `connector_config`,
`fail_task`, ...). Every request is recorded in `requests`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote

__all__ = [
    "DEFAULT_TRACE",
    "REBALANCE_EXPECTED_MESSAGE",
    "REBALANCE_LEADER_MESSAGE",
    "SINK_FILE_TRACE",
    "WORKER_ID",
    "FakeConfigKey",
    "FakeConnect",
    "FakePlugin",
    "Headers",
    "NonEmptyString",
    "OneOf",
    "Range",
    "RecordedRequest",
    "Validator",
]

WORKER_ID = "127.0.0.1:8083"
DEFAULT_TRACE = "java.lang.RuntimeException: boom\n\tat x.y(Z.java:1)"
# A FileStreamSink task whose file cannot be created fails at start; the text of a 4.3.1
# worker's trace (the stack trace lines past the first two of each exception shortened).
SINK_FILE_TRACE = (
    "org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file '{file}' "
    "for FileStreamSinkTask\n"
    "\tat org.apache.kafka.connect.file.FileStreamSinkTask.start(FileStreamSinkTask.java:74)\n"
    "\tat org.apache.kafka.connect.runtime.WorkerSinkTask.initializeAndStart"
    "(WorkerSinkTask.java:338)\n"
    "\tat java.base/java.lang.Thread.run(Thread.java:840)\n"
    "Caused by: java.nio.file.NoSuchFileException: {file}\n"
    "\tat java.base/sun.nio.fs.UnixException.translateToIOException(UnixException.java:92)\n"
    "\tat org.apache.kafka.connect.file.FileStreamSinkTask.start(FileStreamSinkTask.java:70)\n"
    "\t... 10 more\n"
)
REBALANCE_LEADER_MESSAGE = (
    "Cannot complete request momentarily due to no known leader URL, "
    "likely because a rebalance was underway."
)
REBALANCE_EXPECTED_MESSAGE = "Request cannot be completed because a rebalance is expected"
NOT_FOUND = "HTTP 404 Not Found"
STOPPED_REQUIRED = (
    "Connectors must be in the STOPPED state before their offsets can be modified. This can be "
    "done for the specified connector by issuing a 'PUT' request to the "
    "'/connectors/{name}/stop' endpoint"
)
VALIDATE_HINT = (
    "You can also find the above list of errors at the endpoint "
    "`/connector-plugins/{connectorType}/config/validate`"
)
NULL_VALUE_ERROR = "Null value can not be supplied as the configuration value."
LOG_LEVELS = ("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL")


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", version)[:3]
    return tuple(int(p) for p in parts) + (0,) * (3 - len(parts))


def _java_hash(key: str) -> int:
    h = 0
    for unit in range(0, len(b := key.encode("utf-16-be")), 2):
        h = (31 * h + int.from_bytes(b[unit : unit + 2], "big")) & 0xFFFFFFFF
    return h ^ (h >> 16)


def _java_map(config: dict[str, Any]) -> str:
    """`HashMap.toString()`: the real worker prints configs in Java hash-bucket order."""
    capacity = 16
    while len(config) > capacity * 0.75:
        capacity *= 2
    keys = list(config)
    ordered = sorted(keys, key=lambda k: (_java_hash(k) & (capacity - 1), keys.index(k)))
    return "{" + ", ".join(f"{k}={config[k]}" for k in ordered) + "}"


# --------------------------------------------------------------------------------------------
# Config definitions (a small ConfigDef)


class Validator:
    """A ConfigDef validator: returns an error message, or None when the value is valid."""

    def check(self, name: str, value: Any) -> str | None:  # pragma: no cover - interface
        raise NotImplementedError


def _invalid(name: str, value: Any, message: str) -> str:
    shown = "null" if value is None else value
    if isinstance(value, list):
        shown = "[" + ", ".join(value) + "]"
    return f"Invalid value {shown} for configuration {name}: {message}"


class NonEmptyString(Validator):
    def check(self, name: str, value: Any) -> str | None:
        if value is not None and value == "":
            return _invalid(name, value, "String must be non-empty")
        return None


class _NonEmptyStringWithoutControlChars(Validator):
    def check(self, name: str, value: Any) -> str | None:
        if value is None:
            return None
        if value == "":
            return _invalid(name, value, "String may not be empty")
        bad = [str(ord(c)) for c in value if ord(c) < 32 or 127 <= ord(c) <= 159]
        if bad:
            return _invalid(
                name,
                value,
                "String may not contain control sequences but had the following ASCII chars: "
                + ", ".join(bad),
            )
        return None


@dataclass
class OneOf(Validator):
    """ConfigDef.ValidString (or CaseInsensitiveValidString)."""

    values: tuple[str, ...]
    case_insensitive: bool = False

    def check(self, name: str, value: Any) -> str | None:
        if value is None:
            return None
        if self.case_insensitive:
            if str(value).upper() in {v.upper() for v in self.values}:
                return None
            return _invalid(
                name, value, "String must be one of (case insensitive): " + ", ".join(self.values)
            )
        if value in self.values:
            return None
        return _invalid(name, value, "String must be one of: " + ", ".join(self.values))


@dataclass
class Range(Validator):
    min: float | None = None
    max: float | None = None

    def check(self, name: str, value: Any) -> str | None:
        if value is None:
            return _invalid(name, value, "Value must be non-null")
        if self.min is not None and value < self.min:
            return _invalid(name, value, f"Value must be at least {_num(self.min)}")
        if self.max is not None and value > self.max:
            return _invalid(name, value, f"Value must be no more than {_num(self.max)}")
        return None


class _DebeziumRequired(Validator):
    """Debezium's Field.isRequired: its own message format, not ConfigDef's."""

    def check(self, name: str, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return f"The '{name}' value is invalid: A value is required"
        return None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


CONFIG_TYPES = ("BOOLEAN", "STRING", "INT", "SHORT", "LONG", "DOUBLE", "LIST", "CLASS", "PASSWORD")
_INT_RANGES = {"SHORT": 2**15, "INT": 2**31, "LONG": 2**63}


@dataclass
class FakeConfigKey:
    """One ConfigKeyInfo. `default` is the Java `convertToString` text (None = null)."""

    name: str
    type: str = "STRING"
    required: bool = False
    default: str | None = None
    importance: str = "MEDIUM"
    documentation: str = ""
    group: str | None = None
    order: int = -1
    width: str = "NONE"
    display_name: str | None = None
    validator: Validator | None = None

    def definition(self, version: tuple[int, ...]) -> dict[str, Any]:
        default = None if self.required else self.default
        if self.type == "PASSWORD" and default is not None:
            default = "[hidden]"
        order_key = "order_in_group" if version >= (4, 2, 0) else "order"
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default_value": default,
            "importance": self.importance,
            "documentation": self.documentation,
            "group": self.group,
            order_key: self.order if self.group is not None else -1,
            "width": self.width,
            "display_name": self.display_name or self.name,
            "dependents": [],
        }


@dataclass
class FakePlugin:
    """A plugin installed on the fake worker."""

    class_name: str
    type: str  # source | sink | transformation | predicate | converter | header_converter
    version: str | None = None  # None = the worker's version; "undefined" hides it
    configs: list[FakeConfigKey] = field(default_factory=list)
    max_tasks: int | None = None  # taskConfigs() returns at most this many
    single_task_only: bool = False  # Debezium: tasks.max > 1 fails the connector
    alters_offsets: bool = False  # Connector.alterOffsets returns true
    task_class: str | None = None
    # False for Debezium: its own validate() returns ConfigValues without values, so the
    # worker reports `"value": null` for every plugin key (passwords included).
    reports_values: bool = True
    # Connector.alterOffsets checks: (partition, offset) -> error message (answered as 500).
    offsets_check: Callable[[Any, Any, dict[str, str]], str | None] | None = None

    @property
    def simple_name(self) -> str:
        return self.class_name.rsplit(".", 1)[-1]

    def aliases(self) -> set[str]:
        names = {self.class_name, self.simple_name}
        for suffix in ("Connector", "Converter", "Transformation"):
            if self.simple_name.endswith(suffix) and self.simple_name != suffix:
                names.add(self.simple_name[: -len(suffix)])
        return names


def _k(name: str, type_: str = "STRING", **kw: Any) -> FakeConfigKey:
    return FakeConfigKey(name, type_, **kw)


def _grouped(group: str, keys: list[FakeConfigKey]) -> list[FakeConfigKey]:
    for i, key in enumerate(keys, start=1):
        key.group = group
        key.order = i
    return keys


def _framework_keys(
    kind: str, version: tuple[int, ...], plugin_version: str, worker_version: str
) -> list[FakeConfigKey]:
    """ConnectorConfig / SourceConnectorConfig / SinkConnectorConfig definitions, in the order
    a 4.3 worker lists them (checked against connect-runtime 4.3.1)."""
    v41 = version >= (4, 1, 0)
    json_converter = "org.apache.kafka.connect.json.JsonConverter"  # the worker's default
    common = [
        _k(
            "name",
            required=True,
            importance="HIGH",
            documentation="Globally unique name to use for this connector.",
            width="MEDIUM",
            display_name="Connector name",
            validator=_NonEmptyStringWithoutControlChars(),
        ),
        _k(
            "connector.class",
            required=True,
            importance="HIGH",
            documentation=(
                "Name or alias of the class for this connector. Must be a subclass of "
                "org.apache.kafka.connect.connector.Connector. If the connector is "
                "org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify "
                'this full name,  or use "FileStreamSink" or "FileStreamSinkConnector" to make '
                "the configuration a bit shorter"
            ),
            width="LONG",
            display_name="Connector class",
        ),
    ]
    if v41:
        common.append(
            _k(
                "connector.plugin.version",
                default=plugin_version,
                documentation="Version of the connector.",
                width="MEDIUM",
                display_name="Connector version",
            )
        )
    common.append(
        _k(
            "tasks.max",
            "INT",
            default="1",
            importance="HIGH",
            documentation="Maximum number of tasks to use for this connector.",
            width="SHORT",
            display_name="Tasks max",
            validator=Range(min=1),
        )
    )
    if version >= (3, 8, 0):
        common.append(
            _k(
                "tasks.max.enforce",
                "BOOLEAN",
                default="true",
                importance="LOW",
                width="SHORT",
                display_name="Enforce tasks max",
            )
        )
    for conv, label, default in (
        ("key.converter", "Key", json_converter),
        ("value.converter", "Value", json_converter),
        ("header.converter", "Header", "org.apache.kafka.connect.storage.SimpleHeaderConverter"),
    ):
        common.append(
            _k(
                conv,
                "CLASS",
                default=default,
                importance="LOW",
                width="SHORT",
                display_name=f"{label} converter class",
            )
        )
        if v41:
            common.append(
                _k(
                    f"{conv}.plugin.version",
                    default=worker_version,
                    importance="LOW",
                    documentation=f"Version of the {label.lower()} converter.",
                    width="SHORT",
                    display_name=f"{label} converter version",
                )
            )
    keys = _grouped("Common", common)
    n = len(keys)
    keys += _grouped(
        "Transforms",
        [_k("transforms", "LIST", default="", importance="LOW", width="LONG")],
    )
    keys += _grouped(
        "Predicates",
        [_k("predicates", "LIST", default="", importance="LOW", width="LONG")],
    )
    keys[n].order, keys[n + 1].order = n + 1, n + 2  # one counter across these groups
    keys += _grouped(
        "Common",
        [
            _k(
                "config.action.reload",
                default="restart",
                importance="LOW",
                width="MEDIUM",
                display_name="Reload Action",
                validator=OneOf(("none", "restart")),
            )
        ],
    )
    keys[-1].order = n + 1
    errors = [
        _k("errors.retry.timeout", "LONG", default="0", width="MEDIUM"),
        _k("errors.retry.delay.max.ms", "LONG", default="60000", width="MEDIUM"),
        _k(
            "errors.tolerance",
            default="none",
            width="SHORT",
            validator=OneOf(("none", "all"), case_insensitive=True),
        ),
        _k("errors.log.enable", "BOOLEAN", default="false", width="SHORT"),
        _k("errors.log.include.messages", "BOOLEAN", default="false", width="SHORT"),
    ]
    keys += _grouped("Error Handling", errors)
    if kind == "sink":
        sink_common = _grouped(
            "Common",
            [
                _k("topics", "LIST", default="", importance="HIGH", width="LONG"),
                _k("topics.regex", default="", importance="HIGH", width="LONG"),
            ],
        )
        sink_common[0].order = sink_common[1].order = 4
        sink_common[0].display_name, sink_common[1].display_name = "Topics", "Topics regex"
        keys += sink_common
        dlq = _grouped(
            "Error Handling",
            [
                _k("errors.deadletterqueue.topic.name", default="", width="MEDIUM"),
                _k(
                    "errors.deadletterqueue.topic.replication.factor",
                    "SHORT",
                    default="3",
                    width="MEDIUM",
                ),
                _k(
                    "errors.deadletterqueue.context.headers.enable",
                    "BOOLEAN",
                    default="false",
                    width="MEDIUM",
                ),
            ],
        )
        for i, key in enumerate(dlq, start=len(errors) + 1):
            key.order = i
        keys += dlq
    if kind == "source":
        keys += _grouped(
            "Topic Creation", [_k("topic.creation.groups", "LIST", default="", importance="LOW")]
        )
        keys += _grouped(
            "Exactly Once Support",
            [
                _k(
                    "exactly.once.support",
                    default="requested",
                    validator=OneOf(("requested", "required"), case_insensitive=True),
                ),
                _k(
                    "transaction.boundary",
                    default="poll",
                    validator=OneOf(("poll", "interval", "connector"), case_insensitive=True),
                ),
                _k("transaction.boundary.interval.ms", "LONG", importance="LOW"),
            ],
        )
        keys += _grouped("offsets.topic", [_k("offsets.storage.topic", importance="LOW")])
    return keys


def _file_source_offsets_check(partition: Any, offset: Any, config: dict[str, str]) -> str | None:
    """FileStreamSourceConnector.alterOffsets (3.6+)."""
    if not config.get("file", "").strip():
        return (
            "Offsets cannot be modified if the 'file' configuration is unspecified. This is "
            "because stdin is used for input and offsets are not tracked."
        )
    if offset is not None:
        if "position" not in offset:
            return "Offset objects should either be null or contain the key 'position'"
        position = offset["position"]
        if not isinstance(position, int) or isinstance(position, bool):
            return "The value for the 'position' key in the offset is expected to be a Long value"
        if position < 0:
            return "The value for the 'position' key in the offset should be a non-negative value"
    if partition is None:
        return "Partition objects cannot be null"
    if "filename" not in partition:
        return "Partition objects should contain the key 'filename'"
    return None


def _builtin_plugins() -> list[FakePlugin]:
    file_source = FakePlugin(
        "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "source",
        configs=[
            _k(
                "file",
                importance="HIGH",
                documentation="Source filename. If not specified, the standard input will be used",
            ),
            _k(
                "topic",
                required=True,
                importance="HIGH",
                documentation="The topic to publish data to",
                validator=NonEmptyString(),
            ),
            _k(
                "batch.size",
                "INT",
                default="2000",
                importance="LOW",
                documentation=(
                    "The maximum number of records the source task can read from the file "
                    "each time it is polled"
                ),
            ),
        ],
        max_tasks=1,
        alters_offsets=True,
        offsets_check=_file_source_offsets_check,
        task_class="org.apache.kafka.connect.file.FileStreamSourceTask",
    )
    file_sink = FakePlugin(
        "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "sink",
        configs=[
            _k(
                "file",
                importance="HIGH",
                documentation=(
                    "Destination filename. If not specified, the standard output will be used"
                ),
            )
        ],
        alters_offsets=True,
        task_class="org.apache.kafka.connect.file.FileStreamSinkTask",
    )
    dbz_required = _DebeziumRequired
    binlog = [
        _k("topic.prefix", importance="HIGH", validator=dbz_required()),
        _k("database.hostname", importance="HIGH", validator=dbz_required()),
        _k("database.port", "INT", default="3306", importance="HIGH"),
        _k("database.user", importance="HIGH", validator=dbz_required()),
        _k("database.password", "PASSWORD", importance="HIGH"),
        _k("database.server.id", "LONG", importance="HIGH", validator=dbz_required()),
        _k("database.server.id.offset", "LONG", default="10000", importance="LOW"),
        _k("database.include.list", "LIST"),
        _k("database.exclude.list", "LIST"),
        _k("table.include.list", "LIST"),
        _k("table.exclude.list", "LIST"),
        _k("snapshot.mode", default="initial"),
        _k("include.schema.changes", "BOOLEAN", default="true"),
        _k("tombstones.on.delete", "BOOLEAN", default="true"),
        _k("schema.history.internal.kafka.bootstrap.servers"),
        _k("schema.history.internal.kafka.topic"),
        _k("database.ssl.keystore.password", "PASSWORD", importance="LOW"),
        _k("database.ssl.truststore.password", "PASSWORD", importance="LOW"),
    ]
    dbz_version = "3.6.1.Final"

    def binlog_source(connector_class: str) -> FakePlugin:
        # MySQL and MariaDB share Debezium's binlog connector: same keys, one task each.
        return FakePlugin(
            connector_class,
            "source",
            dbz_version,
            configs=_grouped("Connection", [FakeConfigKey(**vars(k)) for k in binlog]),
            max_tasks=1,
            single_task_only=True,
            reports_values=False,
            task_class=f"{connector_class}Task",
        )

    mysql = binlog_source("io.debezium.connector.mysql.MySqlConnector")
    mariadb = binlog_source("io.debezium.connector.mariadb.MariaDbConnector")
    es = FakePlugin(
        "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
        "sink",
        "15.1.3",
        configs=_grouped(
            "Connector",
            [
                _k("connection.url", "LIST", required=True, importance="HIGH"),
                _k("connection.username", importance="MEDIUM"),
                _k("connection.password", "PASSWORD", importance="MEDIUM"),
                _k("batch.size", "INT", default="2000", validator=Range(1, 1_000_000)),
                _k("max.buffered.records", "INT", default="20000"),
                _k("max.in.flight.requests", "INT", default="5", validator=Range(1, 1000)),
                _k("linger.ms", "LONG", default="1"),
                _k("max.retries", "INT", default="5"),
                _k("retry.backoff.ms", "LONG", default="100"),
            ],
        )
        + _grouped(
            "Data Conversion",
            [
                _k("key.ignore", "BOOLEAN", default="false", importance="HIGH"),
                _k("schema.ignore", "BOOLEAN", default="false", importance="LOW"),
                _k(
                    "behavior.on.null.values",
                    default="FAIL",
                    validator=OneOf(("IGNORE", "DELETE", "FAIL"), case_insensitive=True),
                ),
                _k(
                    "behavior.on.malformed.documents",
                    default="FAIL",
                    validator=OneOf(("IGNORE", "WARN", "FAIL"), case_insensitive=True),
                ),
                _k(
                    "write.method",
                    default="INSERT",
                    validator=OneOf(("INSERT", "UPSERT"), case_insensitive=True),
                ),
            ],
        )
        + _grouped("Proxy", [_k("proxy.password", "PASSWORD", importance="LOW")]),
        task_class="io.confluent.connect.elasticsearch.ElasticsearchSinkTask",
    )
    others: list[FakePlugin] = []
    t = "org.apache.kafka.connect.transforms."
    transforms = (
        "Cast$Key Cast$Value DropHeaders ExtractField$Key ExtractField$Value Filter "
        "Flatten$Key Flatten$Value HeaderFrom$Key HeaderFrom$Value HoistField$Key "
        "HoistField$Value InsertField$Key InsertField$Value InsertHeader MaskField$Key "
        "MaskField$Value RegexRouter ReplaceField$Key ReplaceField$Value "
        "SetSchemaMetadata$Key SetSchemaMetadata$Value TimestampConverter$Key "
        "TimestampConverter$Value TimestampRouter ValueToKey"
    )
    for name in transforms.split(" "):
        others.append(FakePlugin(t + name, "transformation"))
    for name in ("ExtractNewRecordState", "ByLogicalTableRouter"):
        others.append(FakePlugin(f"io.debezium.transforms.{name}", "transformation", dbz_version))
    for name in ("HasHeaderKey", "RecordIsTombstone", "TopicNameMatches"):
        others.append(FakePlugin(f"{t}predicates.{name}", "predicate"))
    for cls in (
        "org.apache.kafka.connect.converters.ByteArrayConverter",
        "org.apache.kafka.connect.converters.DoubleConverter",
        "org.apache.kafka.connect.converters.IntegerConverter",
        "org.apache.kafka.connect.converters.LongConverter",
        "org.apache.kafka.connect.json.JsonConverter",
        "org.apache.kafka.connect.storage.StringConverter",
    ):
        others.append(FakePlugin(cls, "converter"))
    for cls in (
        "org.apache.kafka.connect.json.JsonConverter",
        "org.apache.kafka.connect.storage.SimpleHeaderConverter",
        "org.apache.kafka.connect.storage.StringConverter",
    ):
        others.append(FakePlugin(cls, "header_converter"))
    return [file_source, file_sink, mysql, mariadb, es, *others]


# --------------------------------------------------------------------------------------------
# Requests, faults, state


class Headers(dict[str, str]):
    """Request headers: a dict with case-insensitive lookups."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        super().__init__((k.lower(), v) for k, v in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass
class RecordedRequest:
    method: str
    path: str  # percent-decoded, without the query string
    query: dict[str, list[str]]
    body: Any  # parsed JSON (plain json.loads), or None
    headers: Headers  # case-insensitive
    raw_body: bytes = b""


_NO_BODY: Any = object()


@dataclass
class _Fault:
    method: str | None
    path: re.Pattern[str] | None
    status: int | None
    message: str
    times: int
    reset_connection: bool
    apply_anyway: bool
    delay: float
    body: Any = None
    has_body: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path is None or self.path.fullmatch(path) is not None


@dataclass
class _Task:
    id: int
    state: str = "RUNNING"
    trace: str | None = None
    worker_id: str = WORKER_ID


@dataclass
class _Connector:
    name: str
    config: dict[str, str]
    plugin: FakePlugin | None
    target: str = "RUNNING"  # RUNNING | PAUSED | STOPPED
    state: str = "RUNNING"
    trace: str | None = None
    tasks: list[_Task] = field(default_factory=list)
    offsets: list[dict[str, Any]] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    # After a config update, until `restart_at` (time.monotonic()): the status and task
    # configs of the instance from before the update (`FakeConnect.restart_delay`).
    restart_at: float = 0.0
    old_status: dict[str, Any] | None = None
    old_task_configs: list[dict[str, Any]] | None = None

    @property
    def type(self) -> str:
        return self.plugin.type if self.plugin else "unknown"


class _HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _Reply:
    status: int
    body: Any = None  # JSON-serialisable, or None for no body
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # pre-encoded body (HTML errors)
    content_type: str | None = "application/json"


def _literal_config(raw: Any, *, allow_null: bool = True) -> dict[str, str | None]:
    """Jackson's Map<String,String> binding, from a literal-preserving json.loads result."""
    if not isinstance(raw, dict):
        token = "START_ARRAY" if isinstance(raw, list) else "VALUE_STRING"
        raise _HttpError(
            500,
            "Cannot deserialize value of type `java.util.HashMap<java.lang.String,"
            f"java.lang.String>` from {type(raw).__name__} value (token `JsonToken.{token}`)",
        )
    out: dict[str, str | None] = {}
    for key, value in raw.items():
        if isinstance(value, (dict, list)):
            token = "START_OBJECT" if isinstance(value, dict) else "START_ARRAY"
            raise _HttpError(
                500,
                "Cannot deserialize value of type `java.lang.String` from "
                f"{'Object' if isinstance(value, dict) else 'Array'} value "
                f"(token `JsonToken.{token}`)",
            )
        if value is True or value is False:
            out[key] = "true" if value else "false"
        elif value is None:
            out[key] = None
        else:
            out[key] = str(value)
    return out


def _config_named(raw: Any, name: str) -> dict[str, str | None]:
    """The worker's checkAndPutConnectorConfigName, shared by create and PUT config: the
    config must be there, its `name` (if any) must match the URL's, and it gets that name."""
    if raw is None:
        raise _HttpError(
            500,
            'Cannot invoke "java.util.Map.get(Object)" because "connectorConfig" is null',
        )
    config = _literal_config(raw)
    if "name" in config and config["name"] != name:
        raise _HttpError(
            400,
            f"Connector name configuration ({config['name']}) doesn't match connector "
            f"name in the URL ({name})",
        )
    config["name"] = name
    return config


def _loads_literal(raw: bytes) -> Any:
    """json.loads that keeps numbers' literal text (Jackson coerces tokens to String)."""
    return json.loads(raw, parse_float=str, parse_int=str, parse_constant=str)


# --------------------------------------------------------------------------------------------
# The fake worker


class FakeConnect:
    """A fake distributed Kafka Connect worker. See the module docstring."""

    def __init__(
        self,
        *,
        version: str = "4.3.0",
        latency: float = 0.0,
        plugins: list[FakePlugin] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """`tls`: serve HTTPS with this server context (the handshake runs on accept)."""
        self._tls = tls
        self.version = version
        self._v = _version_tuple(version)
        self.latency = latency
        self.plugins: list[FakePlugin] = list(plugins) if plugins is not None else []
        self.plugins += [p for p in _builtin_plugins() if p.class_name not in self._plugin_names()]
        self.requests: list[RecordedRequest] = []
        # Requests being answered right now, and the most seen at once (parallelism checks).
        self.in_flight = 0
        self.max_in_flight = 0
        self.kafka_cluster_id = "fAkEcLuStEr-Id0000000A"
        self.commit = "a9ce3221537b8653"
        self.topic_tracking = True
        # A real worker restarts a connector some time after a config update (0.1-0.5 s seen on
        # 4.3); until then its status and task configs are the old instance's. 0: at once.
        self.restart_delay = 0.0
        self._lock = threading.RLock()
        self._connectors: dict[str, _Connector] = {}
        self._faults: list[_Fault] = []
        self._rebalance_writes = 0
        self._unreachable = False
        self._loggers: dict[str, dict[str, Any]] = {
            name: {"level": "INFO", "last_modified": None}
            for name in (
                "root",
                "org.apache.kafka.connect",
                "org.apache.kafka.connect.runtime",
                "org.apache.kafka.connect.runtime.distributed",
                "org.apache.kafka.clients",
                "org.reflections",
            )
        }
        self._loggers["org.reflections"]["level"] = "ERROR"
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self.url = ""

    def _plugin_names(self) -> set[str]:
        return {p.class_name for p in self.plugins}

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeConnect:
        if self._server is None:
            self._serve()
        return self

    def _serve(self) -> None:
        server = _Server(("127.0.0.1", self._port), _Handler)
        if self._tls is not None:
            server.socket = self._tls.wrap_socket(server.socket, server_side=True)
        server.fake = self
        self._server = server
        self._port = server.server_address[1]
        scheme = "http" if self._tls is None else "https"
        self.url = f"{scheme}://127.0.0.1:{self._port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _close_server(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_all_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def stop(self) -> None:
        self._close_server()

    def __enter__(self) -> FakeConnect:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_unreachable(self, flag: bool) -> None:
        """Close the listening socket and every open connection (a worker restart)."""
        with self._lock:
            self._unreachable = flag
        if flag:
            self._close_server()
        elif self._server is None:
            self._serve()

    # -- recorded requests ----------------------------------------------------------------
    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()
            self.max_in_flight = self.in_flight

    def writes(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method != "GET"]

    # -- arranging state ------------------------------------------------------------------
    def add_connector(self, name: str, config: dict[str, str], state: str = "RUNNING") -> None:
        """Create a connector without HTTP or validation.

        `state` is RUNNING, PAUSED or STOPPED (target states), or FAILED / UNASSIGNED
        (a running connector whose instance is in that state)."""
        state = state.upper()
        cfg = {k: str(v) for k, v in config.items()}
        cfg.setdefault("name", name)
        with self._lock:
            conn = _Connector(name, cfg, self._find_connector_plugin(cfg.get("connector.class")))
            self._connectors[name] = conn
            if state in ("PAUSED", "STOPPED"):
                conn.target = state
                conn.state = state
                if state == "PAUSED":
                    self._generate_tasks(conn)
            else:
                self._start_running(conn)
                if state in ("FAILED", "UNASSIGNED"):
                    conn.state = state
                    conn.trace = DEFAULT_TRACE if state == "FAILED" else None
                    if state == "UNASSIGNED":
                        for task in conn.tasks:
                            task.state = "UNASSIGNED"

    def connector_config(self, name: str) -> dict[str, str] | None:
        with self._lock:
            conn = self._connectors.get(name)
            return dict(conn.config) if conn else None

    def connector_state(self, name: str) -> str | None:
        with self._lock:
            conn = self._connectors.get(name)
            return conn.state if conn else None

    def task_states(self, name: str) -> list[str] | None:
        with self._lock:
            conn = self._connectors.get(name)
            return [t.state for t in conn.tasks] if conn else None

    def connector_names(self) -> list[str]:
        with self._lock:
            return list(self._connectors)

    def fail_task(self, name: str, task_id: int = 0, trace: str = DEFAULT_TRACE) -> None:
        with self._lock:
            task = self._task(name, task_id)
            task.state, task.trace = "FAILED", trace

    def fail_connector(self, name: str, trace: str = DEFAULT_TRACE) -> None:
        with self._lock:
            conn = self._connectors[name]
            conn.state, conn.trace = "FAILED", trace

    def unassign_task(self, name: str, task_id: int = 0) -> None:
        with self._lock:
            task = self._task(name, task_id)
            task.state, task.trace = "UNASSIGNED", None

    def set_offsets(self, name: str, offsets: list[dict[str, Any]]) -> None:
        with self._lock:
            self._connectors[name].offsets = [dict(o) for o in offsets]

    def connector_offsets(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(o) for o in self._connectors[name].offsets]

    def set_topics(self, name: str, topics: list[str]) -> None:
        with self._lock:
            self._connectors[name].topics = list(topics)

    def _task(self, name: str, task_id: int) -> _Task:
        for task in self._connectors[name].tasks:
            if task.id == task_id:
                return task
        raise KeyError(f"{name}-{task_id}")

    # -- fault injection ------------------------------------------------------------------
    def inject(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        message: str = "",
        times: int = 1,
        reset_connection: bool = False,
        apply_anyway: bool = False,
        delay: float = 0.0,
        body: Any = _NO_BODY,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> None:
        """Make the next `times` matching requests fail.

        `path` is a regex matched in full against the decoded path. With `status`, answer
        `{"error_code": status, "message": message}` instead; with `reset_connection`, close
        the socket without answering. `apply_anyway` performs the request first (an unknown
        outcome for the client). `delay` sleeps before answering. With `body`, answer that
        JSON (or raw bytes) with `status` (default 200) instead: a worker, proxy or other
        service answering with a shape the endpoint never returns; `apply_anyway` performs
        the request first here too (a proxy that forwards the write but mangles the answer).
        `headers` are added to the answer (a redirect's `Location`), `content_type` sets the
        raw body's Content-Type."""
        with self._lock:
            self._faults.append(
                _Fault(
                    method,
                    re.compile(path) if path is not None else None,
                    status,
                    message,
                    times,
                    reset_connection,
                    apply_anyway,
                    delay,
                    None if body is _NO_BODY else body,
                    body is not _NO_BODY,
                    dict(headers or {}),
                    content_type,
                )
            )

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._rebalance_writes = 0

    def start_rebalance(self, writes: int) -> None:
        """Simulate a pending rebalance lasting for the next `writes` leader-bound writes."""
        with self._lock:
            self._rebalance_writes = writes

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _rebalance_reply(self, method: str, segs: list[str]) -> _Reply | None:
        with self._lock:
            if self._rebalance_writes <= 0 or not segs or segs[0] != "connectors":
                return None
            if method == "GET":
                if len(segs) == 2 or (len(segs) == 3 and segs[2] in ("config", "tasks")):
                    return _error(500, REBALANCE_EXPECTED_MESSAGE)
                return None
            # Only requests forwarded to the leader conflict; pause/resume write the target
            # state from any worker and never get 409 (reference §2).
            if len(segs) == 3 and segs[2] in ("pause", "resume", "status", "topics"):
                return None
            if len(segs) == 4 and segs[2] == "topics":
                return None
            self._rebalance_writes -= 1
            return _error(409, REBALANCE_LEADER_MESSAGE)

    # -- plugins and validation -----------------------------------------------------------
    def _plugin_version(self, plugin: FakePlugin) -> str:
        return plugin.version or self.version

    def _find_plugin(self, name: str | None, types: tuple[str, ...]) -> FakePlugin | None:
        if not name:
            return None
        for plugin in self.plugins:
            if plugin.type in types and name in plugin.aliases():
                return plugin
        return None

    def _find_connector_plugin(self, name: str | None) -> FakePlugin | None:
        return self._find_plugin(name, ("source", "sink"))

    def _class_exists(self, name: str) -> bool:
        return any(p.class_name == name for p in self.plugins)

    def _plugin_desc(self, plugin: FakePlugin) -> str:
        v = self._plugin_version(plugin)
        return (
            f"PluginDesc{{klass=class {plugin.class_name}, name='{plugin.class_name}', "
            f"version='{v}', encodedVersion={v}, type={plugin.type}, "
            f"typeName='{plugin.type}', location='classpath'}}"
        )

    def _unknown_class_message(self, cls: str) -> str:
        descs = ", ".join(
            self._plugin_desc(p)
            for p in sorted(self.plugins, key=lambda p: p.class_name)
            if p.type in ("source", "sink")
        )
        return (
            "Failed to find any class that implements Connector and which name matches "
            f"{cls}, available connectors are: {descs}"
        )

    def _framework_keys(self, plugin: FakePlugin) -> list[FakeConfigKey]:
        return _framework_keys(plugin.type, self._v, self._plugin_version(plugin), self.version)

    def _config_keys(self, plugin: FakePlugin, config: dict[str, str]) -> list[FakeConfigKey]:
        keys = self._framework_keys(plugin)
        for alias in _split_list(config.get("transforms", "")):
            group = f"Transforms: {alias}"
            transform = self._find_plugin(
                config.get(f"transforms.{alias}.type"), ("transformation",)
            )
            keys.append(
                FakeConfigKey(
                    f"transforms.{alias}.type",
                    "CLASS",
                    required=True,
                    importance="HIGH",
                    documentation=f"Class for the '{alias}' transformation.",
                    group=group,
                    order=0,
                    width="LONG",
                    display_name=f"Transformation type for {alias}",
                )
            )
            keys.append(
                FakeConfigKey(
                    f"transforms.{alias}.plugin.version",
                    default=self._plugin_version(transform) if transform else None,
                    importance="HIGH",
                    documentation=f"Version of the '{alias}' transformation.",
                    group=group,
                    order=1,
                    width="LONG",
                    display_name=f"Transformation version for {alias}",
                )
            )
            if transform is not None:
                # (The transformation's own keys, e.g. RegexRouter's regex, are not modelled.)
                keys += [
                    FakeConfigKey(
                        f"transforms.{alias}.negate",
                        "BOOLEAN",
                        default="false",
                        documentation="Whether the configured predicate should be negated.",
                        group=group,
                        order=len(transform.configs) + 2,
                        display_name="negate",
                    ),
                    FakeConfigKey(
                        f"transforms.{alias}.predicate",
                        documentation=(
                            "The alias of a predicate used to determine whether to apply this "
                            "transformation."
                        ),
                        group=group,
                        order=len(transform.configs) + 3,
                        display_name="predicate",
                    ),
                ]
        return keys + list(plugin.configs)

    def _validate(self, config: dict[str, str | None]) -> dict[str, Any]:
        """The ConfigInfos of PUT /connector-plugins/{p}/config/validate.

        Raises _HttpError for the cases where the real worker throws (no/unknown class)."""
        cls = config.get("connector.class")
        if cls is None:
            raise _HttpError(
                500,
                "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: "
                f"Connector config {_java_map(config)} contains no connector type",
            )
        plugin = self._find_connector_plugin(cls)
        if plugin is None:
            raise _HttpError(
                500,
                "org.apache.kafka.connect.errors.ConnectException: "
                + self._unknown_class_message(cls),
            )
        present = {k: v for k, v in config.items() if v is not None}
        keys = self._config_keys(plugin, present)
        plugin_keys = {id(k) for k in plugin.configs}
        entries: list[dict[str, Any]] = [
            {
                "definition": None,
                "value": {
                    "name": name,
                    "value": None,
                    "recommended_values": [],
                    "errors": [NULL_VALUE_ERROR],
                    "visible": True,
                },
            }
            for name, value in config.items()
            if value is None
        ]
        by_name: dict[str, dict[str, Any]] = {}
        for key in keys:
            errors: list[str] = []
            parsed: Any = None
            if key.name in present:
                parsed, err = _parse(key, present[key.name], self)
                if err:
                    errors.append(err)
            elif key.required:
                errors.append(
                    f'Missing required configuration "{key.name}" which has no default value.'
                )
            elif key.default is not None:
                parsed, _ = _parse(key, key.default, self)
            if key.validator is not None:
                err = key.validator.check(key.name, parsed)
                if err:
                    errors.append(err)
            shown = _to_string(parsed, key.type)
            if id(key) in plugin_keys and not plugin.reports_values:
                shown = None
            value = {
                "name": key.name,
                "value": shown,
                "recommended_values": [],
                "errors": errors,
                "visible": True,
            }
            entry = {"definition": key.definition(self._v), "value": value}
            entries.append(entry)
            by_name[key.name] = value
        if plugin.type == "sink":
            has_topics = bool(present.get("topics", "").strip())
            has_regex = bool(present.get("topics.regex", "").strip())
            message = None
            if has_topics and has_regex:
                message = (
                    "topics and topics.regex are mutually exclusive options, but both are set."
                )
            elif not has_topics and not has_regex:
                message = "Must configure one of topics or topics.regex"
            if message:
                by_name["topics"]["errors"].append(message)
                by_name["topics.regex"]["errors"].append(message)
        groups: list[str] = []
        for key in keys:
            if key.group is not None and key.group not in groups:
                groups.append(key.group)
        return {
            "name": cls,
            "error_count": sum(len(e["value"]["errors"]) for e in entries),
            "groups": groups,
            "configs": entries,
        }

    def _check_for_write(self, config: dict[str, str | None]) -> FakePlugin:
        """Validation before create/update: 400 (or 500) with the real messages."""
        cls = config.get("connector.class")
        if cls is None:
            raise _HttpError(
                400, f"Connector config {_java_map(config)} contains no connector type"
            )
        plugin = self._find_connector_plugin(cls)
        if plugin is None:
            raise _HttpError(400 if self._v >= (4, 1, 0) else 500, self._unknown_class_message(cls))
        infos = self._validate(config)
        if infos["error_count"]:
            lines = [
                f"Connector configuration is invalid and contains the following "
                f"{infos['error_count']} error(s):"
            ]
            for entry in infos["configs"]:
                lines.extend(entry["value"]["errors"])
            lines.append(VALIDATE_HINT)
            raise _HttpError(400, "\n".join(lines))
        return plugin

    # -- state transitions ----------------------------------------------------------------
    def _task_count(self, conn: _Connector) -> int:
        try:
            n = int(conn.config.get("tasks.max", "1"))
        except ValueError:
            n = 1
        if conn.plugin is not None and conn.plugin.max_tasks is not None:
            n = min(n, conn.plugin.max_tasks)
        return max(n, 0)

    def _generate_tasks(self, conn: _Connector) -> None:
        state = "PAUSED" if conn.target == "PAUSED" else "RUNNING"
        conn.tasks = [_Task(i, state) for i in range(self._task_count(conn))]

    def _start_running(self, conn: _Connector) -> None:
        conn.target, conn.trace = "RUNNING", None
        conn.state = "RUNNING"
        if (
            conn.plugin is not None
            and conn.plugin.single_task_only
            and int(conn.config.get("tasks.max", "1") or 1) > 1
        ):
            conn.state = "FAILED"
            conn.trace = (
                "java.lang.IllegalArgumentException: Only a single connector task may be "
                "started\n\tat io.debezium.connector.binlog.BinlogConnector.taskConfigs"
                "(BinlogConnector.java:58)"
            )
            conn.tasks = []
            return
        if not conn.tasks:
            self._generate_tasks(conn)
        for task in conn.tasks:
            if task.state == "PAUSED":
                task.state = "RUNNING"
            self._fail_at_start(conn, task)

    def _fail_at_start(self, conn: _Connector, task: _Task) -> None:
        """A task that starts RUNNING FAILS as the real one would: a FileStreamSink task whose
        file's folder does not exist (it cannot create the file)."""
        file = conn.config.get("file", "")
        if (
            task.state == "RUNNING"
            and conn.plugin is not None
            and conn.plugin.class_name.endswith(".FileStreamSinkConnector")
            and file.startswith("/")
            and not os.path.isdir(os.path.dirname(file))
        ):
            task.state, task.trace = "FAILED", SINK_FILE_TRACE.format(file=file)

    def _restart_connector_instance(self, conn: _Connector) -> None:
        conn.trace = None
        conn.state = conn.target
        if conn.target == "RUNNING":
            self._start_running(conn)

    def _restart_task(self, conn: _Connector, task: _Task) -> None:
        task.trace = None
        task.state = "PAUSED" if conn.target == "PAUSED" else "RUNNING"
        self._fail_at_start(conn, task)

    # -- rendering --------------------------------------------------------------------------
    def _info(self, conn: _Connector, tasks: list[_Task] | None = None) -> dict[str, Any]:
        tasks = conn.tasks if tasks is None else tasks
        return {
            "name": conn.name,
            "config": dict(conn.config),
            "tasks": [{"connector": conn.name, "task": t.id} for t in tasks],
            "type": conn.type,
        }

    def _state_entry(self, conn: _Connector, state: str, trace: str | None, worker: str) -> Any:
        entry: dict[str, Any] = {"state": state, "worker_id": worker}
        if self._v >= (4, 1, 0) and conn.plugin is not None:
            version = self._plugin_version(conn.plugin)
            if version != "undefined":
                entry["version"] = version
        if trace:
            entry["trace"] = trace
        return entry

    def _task_status(self, conn: _Connector, task: _Task, state: str | None = None) -> Any:
        return {
            "id": task.id,
            **self._state_entry(conn, state or task.state, task.trace, task.worker_id),
        }

    def _restarting(self, conn: _Connector) -> bool:
        return time.monotonic() < conn.restart_at

    def _status(self, conn: _Connector) -> dict[str, Any]:
        if self._restarting(conn) and conn.old_status is not None:
            return conn.old_status
        return {
            "name": conn.name,
            "connector": self._state_entry(conn, conn.state, conn.trace, WORKER_ID),
            "tasks": [self._task_status(conn, t) for t in conn.tasks],
            "type": conn.type,
        }

    # -- request handling -----------------------------------------------------------------
    def _get(self, name: str, message: str) -> _Connector:
        conn = self._connectors.get(name)
        if conn is None:
            raise _HttpError(404, message)
        return conn

    def handle(self, req: RecordedRequest, segs: list[str]) -> _Reply:
        route = self._route(segs)
        if route is None:
            if len(segs) == 5 and segs[0] == "connectors" and segs[2] == "tasks":
                return _error(404, NOT_FOUND)  # a non-integer task id (JSON, unlike routing)
            return _jersey_error(404, NOT_FOUND)
        handlers, args = route
        handler = handlers.get("GET" if req.method == "HEAD" else req.method)
        if handler is None:
            return _jersey_error(405, "HTTP 405 Method Not Allowed")
        try:
            with self._lock:
                return handler(req, *args)
        except _HttpError as exc:
            return _error(exc.status, exc.message)

    def _route(self, segs: list[str]) -> tuple[dict[str, Callable[..., _Reply]], list[str]] | None:
        v = self._v
        n = len(segs)
        if n == 0:
            return {"GET": self._root}, []
        head = segs[0]
        if head == "health" and n == 1 and v >= (3, 9, 0):
            return {"GET": self._health}, []
        if head == "connectors":
            if n == 1:
                return {"GET": self._list, "POST": self._create}, []
            name = segs[1]
            if n == 2:
                return {"GET": self._get_info, "DELETE": self._delete}, [name]
            sub = segs[2]
            if n == 3:
                table: dict[str, dict[str, Callable[..., _Reply]]] = {
                    "config": {"GET": self._get_config, "PUT": self._put_config},
                    "status": {"GET": self._get_status},
                    "tasks": {"GET": self._get_tasks},
                    "restart": {"POST": self._restart},
                    "pause": {"PUT": self._pause},
                    "resume": {"PUT": self._resume},
                    "topics": {"GET": self._topics},
                }
                if v >= (3, 8, 0):
                    table["config"]["PATCH"] = self._patch_config
                if v >= (3, 5, 0):
                    table["stop"] = {"PUT": self._stop}
                    table["offsets"] = {"GET": self._get_offsets}
                    if v >= (3, 6, 0):
                        table["offsets"].update(
                            {"PATCH": self._alter_offsets, "DELETE": self._reset_offsets}
                        )
                if (2, 8, 0) <= v < (4, 0, 0):
                    table["tasks-config"] = {"GET": self._tasks_config}
                return (table[sub], [name]) if sub in table else None
            if sub == "topics" and n == 4 and segs[3] == "reset":
                return {"PUT": self._topics_reset}, [name]
            if sub == "tasks" and n == 5 and re.fullmatch(r"-?\d+", segs[3]):
                if segs[4] == "status":
                    return {"GET": self._get_task_status}, [name, segs[3]]
                if segs[4] == "restart":
                    return {"POST": self._restart_task_route}, [name, segs[3]]
            return None
        if head == "connector-plugins":
            if n == 1:
                return {"GET": self._plugins}, []
            if n == 3 and segs[2] == "config":
                return {"GET": self._plugin_config}, [segs[1]]
            if n == 4 and segs[2] == "config" and segs[3] == "validate":
                return {"PUT": self._validate_route}, [segs[1]]
            return None
        if head == "admin" and n >= 2 and segs[1] == "loggers":
            if n == 2:
                return {"GET": self._loggers_all}, []
            if n == 3:
                return {"GET": self._logger_get, "PUT": self._logger_put}, [segs[2]]
        return None

    # GET / and /health
    def _root(self, req: RecordedRequest) -> _Reply:
        return _Reply(
            200,
            {
                "version": self.version,
                "commit": self.commit,
                "kafka_cluster_id": self.kafka_cluster_id,
            },
        )

    def _health(self, req: RecordedRequest) -> _Reply:
        return _Reply(
            200,
            {
                "status": "healthy",
                "message": "Worker has completed startup and is ready to handle requests.",
            },
        )

    # /connectors
    def _list(self, req: RecordedRequest) -> _Reply:
        expand = req.query.get("expand")
        if not expand:
            return _Reply(200, list(self._connectors))
        out: dict[str, Any] = {}
        for name, conn in self._connectors.items():
            item: dict[str, Any] = {}
            if "status" in expand:
                item["status"] = self._status(conn)
            if "info" in expand:
                item["info"] = self._info(conn)
            out[name] = item
        return _Reply(200, out)

    def _create(self, req: RecordedRequest) -> _Reply:
        body = _parse_body(req, literal=True)
        if body is None:
            raise _HttpError(
                500,
                'Cannot invoke "org.apache.kafka.connect.runtime.rest.entities.'
                'CreateConnectorRequest.name()" because "createRequest" is null',
            )
        if not isinstance(body, dict):
            raise _HttpError(
                500,
                "Cannot construct instance of `org.apache.kafka.connect.runtime.rest.entities."
                "CreateConnectorRequest` (although at least one Creator exists): no "
                "delegating-creator to deserialize from this value",
            )
        known = ["name", "config"] + (["initial_state"] if self._v >= (3, 7, 0) else [])
        for key in body:
            if key not in known:
                props = ", ".join(f'"{k}"' for k in known)
                raise _HttpError(
                    500,
                    f'Unrecognized field "{key}" (class org.apache.kafka.connect.runtime.rest.'
                    "entities.CreateConnectorRequest), not marked as ignorable "
                    f"({len(known)} known properties: {props}])",
                )
        initial = body.get("initial_state")
        target = "RUNNING"
        if initial is not None:
            target = str(initial).upper()
            if target not in ("RUNNING", "PAUSED", "STOPPED"):
                raise _HttpError(
                    500,
                    "Cannot construct instance of `org.apache.kafka.connect.runtime.rest."
                    "entities.CreateConnectorRequest$InitialState`, problem: No enum constant "
                    "org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest."
                    f"InitialState.{target}\n at [Source: REDACTED "
                    "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, "
                    f"column: {len(req.raw_body)}] (through reference chain: org.apache.kafka."
                    'connect.runtime.rest.entities.CreateConnectorRequest["initial_state"])',
                )
        raw_name = body.get("name")
        if isinstance(raw_name, (dict, list)):
            raise _HttpError(500, "Cannot deserialize value of type `java.lang.String`")
        # Java's String.trim(): characters up to U+0020 only (a no-break space is kept).
        name = "" if raw_name is None else str(raw_name).strip("".join(map(chr, range(33))))
        config = _config_named(body.get("config"), name)
        plugin = self._check_for_write(config)
        if name in self._connectors:
            raise _HttpError(409, f"Connector {name} already exists")
        conn = _Connector(name, {k: v for k, v in config.items() if v is not None}, plugin)
        self._connectors[name] = conn
        conn.target = conn.state = target
        if target == "RUNNING":
            self._start_running(conn)
        return _Reply(201, self._info(conn, tasks=[]), {"Location": self._location(name)})

    def _location(self, name: str) -> str:
        return f"{self.url}/connectors/{quote(name, safe='')}"

    def _get_info(self, req: RecordedRequest, name: str) -> _Reply:
        conn = self._get(name, f"Connector {name} not found")
        return _Reply(200, self._info(conn))

    def _delete(self, req: RecordedRequest, name: str) -> _Reply:
        self._get(name, f"Connector {name} not found")
        del self._connectors[name]
        return _Reply(204)

    def _get_config(self, req: RecordedRequest, name: str) -> _Reply:
        return _Reply(200, dict(self._get(name, f"Connector {name} not found").config))

    def _put_config(self, req: RecordedRequest, name: str) -> _Reply:
        config = _config_named(_parse_body(req, literal=True), name)
        plugin = self._check_for_write(config)
        stored = {k: v for k, v in config.items() if v is not None}
        conn = self._connectors.get(name)
        if conn is None:
            conn = _Connector(name, stored, plugin)
            self._connectors[name] = conn
            self._start_running(conn)
            return _Reply(201, self._info(conn, tasks=[]), {"Location": self._location(name)})
        return _Reply(200, self._update(conn, stored, plugin))

    def _update(self, conn: _Connector, config: dict[str, str], plugin: FakePlugin) -> Any:
        """Rewrite the config: the connector restarts; tasks restart when the config changed.
        With `restart_delay`, reads show the old instance until the restart."""
        previous = list(conn.tasks)
        changed = config != conn.config
        if changed and self.restart_delay > 0 and not self._restarting(conn):
            conn.old_status = self._status(conn)
            conn.old_task_configs = self._task_configs(conn)
        if changed and self.restart_delay > 0:
            conn.restart_at = time.monotonic() + self.restart_delay
        conn.config, conn.plugin = config, plugin
        if changed and conn.target != "STOPPED":
            conn.tasks = []
        if conn.target == "RUNNING":
            self._start_running(conn)
        elif conn.target == "PAUSED":
            conn.state, conn.trace = "PAUSED", None
            if not conn.tasks:
                self._generate_tasks(conn)
        # Distributed: the response lists the task list from before the write.
        return self._info(conn, tasks=previous)

    def _patch_config(self, req: RecordedRequest, name: str) -> _Reply:
        conn = self._get(name, f"Connector {name} not found")
        body = _parse_body(req, literal=True)
        if body is None:
            raise _HttpError(
                500, 'Cannot invoke "java.util.Map.entrySet()" because "patch" is null'
            )
        patch = _literal_config(body)
        merged: dict[str, str | None] = dict(conn.config)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        plugin = self._check_for_write(merged)
        stored = {k: v for k, v in merged.items() if v is not None}
        return _Reply(200, self._update(conn, stored, plugin))

    def _get_status(self, req: RecordedRequest, name: str) -> _Reply:
        return _Reply(200, self._status(self._get(name, f"No status found for connector {name}")))

    def _get_tasks(self, req: RecordedRequest, name: str) -> _Reply:
        conn = self._get(name, f"Connector {name} not found")
        if self._restarting(conn) and conn.old_task_configs is not None:
            return _Reply(200, conn.old_task_configs)
        return _Reply(200, self._task_configs(conn))

    def _task_configs(self, conn: _Connector) -> list[dict[str, Any]]:
        return [
            {"id": {"connector": conn.name, "task": t.id}, "config": self._task_config(conn)}
            for t in conn.tasks
        ]

    def _task_config(self, conn: _Connector) -> dict[str, str]:
        config = dict(conn.config)
        if conn.plugin is not None:
            config["task.class"] = conn.plugin.task_class or (
                conn.plugin.class_name.removesuffix("Connector") + "Task"
            )
        return config

    def _tasks_config(self, req: RecordedRequest, name: str) -> _Reply:
        conn = self._get(name, f"Connector {name} not found")
        return _Reply(200, {f"{name}-{t.id}": self._task_config(conn) for t in conn.tasks})

    def _get_task_status(self, req: RecordedRequest, name: str, task_id: str) -> _Reply:
        conn = self._connectors.get(name)
        tasks = self._status(conn)["tasks"] if conn else []  # the old instance's, restarting
        task = next((t for t in tasks if t["id"] == int(task_id)), None)
        if task is None:
            raise _HttpError(404, f"No status found for task {name}-{task_id}")
        return _Reply(200, task)

    def _restart(self, req: RecordedRequest, name: str) -> _Reply:
        conn = self._get(name, f"Unknown connector: {name}")
        include_tasks = _flag(req, "includeTasks")
        only_failed = _flag(req, "onlyFailed")
        if not include_tasks and not only_failed:
            self._restart_connector_instance(conn)
            return _Reply(204)
        restart_connector = not only_failed or conn.state == "FAILED"
        tasks = [
            t for t in conn.tasks if include_tasks and (not only_failed or t.state == "FAILED")
        ]
        body = self._status(conn)
        if restart_connector:
            body["connector"] = self._state_entry(conn, "RESTARTING", conn.trace, WORKER_ID)
        body["tasks"] = [
            self._task_status(conn, t, "RESTARTING" if t in tasks else None) for t in conn.tasks
        ]
        if restart_connector:
            self._restart_connector_instance(conn)
        for task in tasks:
            self._restart_task(conn, task)
        return _Reply(202, body)

    def _restart_task_route(self, req: RecordedRequest, name: str, task_id: str) -> _Reply:
        conn = self._get(name, f"Unknown connector: {name}")
        task = next((t for t in conn.tasks if t.id == int(task_id)), None)
        if task is None:
            raise _HttpError(404, f"Unknown task: {name}-{task_id}")
        self._restart_task(conn, task)
        return _Reply(204)

    def _pause(self, req: RecordedRequest, name: str) -> _Reply:
        conn = self._get(name, f"Unknown connector {name}")
        if conn.target == "STOPPED":
            # Task configs were emptied by the stop; pausing does not regenerate them.
            conn.target = conn.state = "PAUSED"
            return _Reply(202)
        conn.target = "PAUSED"
        if conn.state != "FAILED":
            conn.state = "PAUSED"
        for task in conn.tasks:
            if task.state != "FAILED":
                task.state = "PAUSED"
        return _Reply(202)

    def _resume(self, req: RecordedRequest, name: str) -> _Reply:
        conn = self._get(name, f"Unknown connector {name}")
        if conn.target != "RUNNING":
            failed = conn.state == "FAILED"
            conn.target = "RUNNING"
            if failed:
                for task in conn.tasks:
                    if task.state == "PAUSED":
                        task.state = "RUNNING"
            else:
                self._start_running(conn)
        return _Reply(202)

    def _stop(self, req: RecordedRequest, name: str) -> _Reply:
        conn = self._get(name, f"Unknown connector {name}")
        conn.target = conn.state = "STOPPED"
        conn.trace = None
        conn.tasks = []
        return _Reply(204)

    # offsets
    def _get_offsets(self, req: RecordedRequest, name: str) -> _Reply:
        conn = self._get(name, f"Connector {name} not found")
        return _Reply(200, {"offsets": [dict(o) for o in conn.offsets]})

    def _alter_offsets(self, req: RecordedRequest, name: str) -> _Reply:
        body = _parse_body(req, literal=False)
        offsets = body.get("offsets") if isinstance(body, dict) else None
        if not offsets:
            raise _HttpError(
                400, "Partitions / offsets need to be provided for an alter offsets request"
            )
        conn = self._get(name, f"Connector {name} not found")
        self._require_stopped(conn)
        for entry in offsets:
            partition, offset = entry.get("partition"), entry.get("offset")
            if conn.type == "sink":
                if not isinstance(partition, dict) or not {
                    "kafka_topic",
                    "kafka_partition",
                } <= set(partition):
                    raise _HttpError(
                        400,
                        "The partition for a sink connector offset must contain the keys "
                        "'kafka_topic' and 'kafka_partition'",
                    )
                if offset is not None and "kafka_offset" not in offset:
                    raise _HttpError(
                        400,
                        "The offset for a sink connector should either be null or contain the "
                        "key 'kafka_offset'",
                    )
            for value in [*(partition or {}).values(), *(offset or {}).values()]:
                if isinstance(value, (dict, list)):
                    raise _HttpError(500, "Offsets may only contain primitive types")
            if conn.plugin is not None and conn.plugin.offsets_check is not None:
                problem = conn.plugin.offsets_check(partition, offset, conn.config)
                if problem:
                    raise _HttpError(500, problem)
        for entry in offsets:
            partition, offset = entry.get("partition"), entry.get("offset")
            conn.offsets = [o for o in conn.offsets if o["partition"] != partition]
            if offset is not None:
                conn.offsets.append({"partition": partition, "offset": offset})
        if conn.plugin is not None and conn.plugin.alters_offsets:
            message = "The offsets for this connector have been altered successfully"
        else:
            message = (
                "The Connect framework-managed offsets for this connector have been altered "
                "successfully. However, if this connector manages offsets externally, they will "
                "need to be manually altered in the system that the connector uses."
            )
        return _Reply(200, {"message": message})

    def _reset_offsets(self, req: RecordedRequest, name: str) -> _Reply:
        conn = self._get(name, f"Connector {name} not found")
        self._require_stopped(conn)
        conn.offsets = []
        if conn.plugin is not None and conn.plugin.alters_offsets:
            message = "The offsets for this connector have been reset successfully"
        else:
            message = (
                "The Connect framework-managed offsets for this connector have been reset "
                "successfully. However, if this connector manages offsets externally, they will "
                "need to be manually reset in the system that the connector uses."
            )
        return _Reply(200, {"message": message})

    def _require_stopped(self, conn: _Connector) -> None:
        if conn.target != "STOPPED" or conn.tasks:
            raise _HttpError(400, STOPPED_REQUIRED.format(name=conn.name))

    # topics
    def _topics(self, req: RecordedRequest, name: str) -> _Reply:
        if not self.topic_tracking:
            raise _HttpError(403, "Topic tracking is disabled.")
        conn = self._connectors.get(name)
        return _Reply(200, {name: {"topics": list(conn.topics) if conn else []}})

    def _topics_reset(self, req: RecordedRequest, name: str) -> _Reply:
        if not self.topic_tracking:
            raise _HttpError(403, "Topic tracking is disabled.")
        if name in self._connectors:
            self._connectors[name].topics = []
        return _Reply(202)

    # plugins
    def _plugins(self, req: RecordedRequest) -> _Reply:
        connectors_only = req.query.get("connectorsOnly", ["true"])[0].lower() != "false"
        order = ["sink", "source"]
        if not connectors_only:
            order += ["transformation", "predicate", "converter", "header_converter"]
        out = []
        for kind in order:
            for plugin in sorted(
                (p for p in self.plugins if p.type == kind), key=lambda p: p.class_name
            ):
                item = {"class": plugin.class_name, "type": plugin.type}
                version = self._plugin_version(plugin)
                if version != "undefined":
                    item["version"] = version
                out.append(item)
        return _Reply(200, out)

    def _plugin_config(self, req: RecordedRequest, name: str) -> _Reply:
        plugin = self._find_plugin(
            name, ("source", "sink", "transformation", "predicate", "converter", "header_converter")
        )
        if plugin is None:
            raise _HttpError(404, f"Unknown plugin {name}.")
        keys = list(plugin.configs)
        if plugin.type in ("source", "sink"):
            keys += self._framework_keys(plugin)
        return _Reply(200, [k.definition(self._v) for k in keys])

    def _validate_route(self, req: RecordedRequest, plugin_name: str) -> _Reply:
        body = _parse_body(req, literal=True)
        if body is None:
            raise _HttpError(
                500, 'Cannot invoke "java.util.Map.get(Object)" because "connectorConfig" is null'
            )
        config = _literal_config(body)
        included = config.get("connector.class")
        if included is not None and not _normalized(included).endswith(_normalized(plugin_name)):
            raise _HttpError(
                400,
                f"Included connector type {included} does not match request type {plugin_name}",
            )
        return _Reply(200, self._validate(config))

    # loggers
    def _loggers_all(self, req: RecordedRequest) -> _Reply:
        return _Reply(200, {k: self._logger_view(v) for k, v in sorted(self._loggers.items())})

    def _logger_view(self, entry: dict[str, Any]) -> dict[str, Any]:
        if self._v >= (3, 7, 0):
            return dict(entry)
        return {"level": entry["level"]}

    def _logger_get(self, req: RecordedRequest, logger: str) -> _Reply:
        entry = self._loggers.get(logger)
        if entry is None:
            raise _HttpError(404, f"Logger {logger} not found.")
        return _Reply(200, self._logger_view(entry))

    def _logger_put(self, req: RecordedRequest, logger: str) -> _Reply:
        body = _parse_body(req, literal=True)
        level = body.get("level") if isinstance(body, dict) else None
        if level is None:
            raise _HttpError(400, "Desired 'level' parameter was not specified in request.")
        if str(level).upper() not in LOG_LEVELS:
            raise _HttpError(404, f"invalid log level '{level}'.")
        level = str(level).upper()
        scope = req.query.get("scope", ["worker"])[0].lower()
        affected = [
            name
            for name in self._loggers
            if name == logger or (logger != "root" and name.startswith(logger + "."))
        ]
        if logger == "root":
            affected = list(self._loggers)
        if logger not in self._loggers:
            self._loggers[logger] = {"level": "INFO", "last_modified": None}
            affected.insert(0, logger)
        changed = []
        now = int(time.time() * 1000)
        for name in affected:
            if self._loggers[name]["level"] != level:
                changed.append(name)
            self._loggers[name] = {"level": level, "last_modified": now}
        if scope == "cluster" and self._v >= (3, 7, 0):
            return _Reply(204)
        return _Reply(200, sorted(changed))


# --------------------------------------------------------------------------------------------
# Parsing helpers


def _split_list(value: str) -> list[str]:
    value = value.strip()
    return [] if not value else re.split(r"\s*,\s*", value)


def _parse(key: FakeConfigKey, raw: str, fake: FakeConnect) -> tuple[Any, str | None]:
    """ConfigDef.parseType: returns (parsed, error message)."""
    t = key.type
    trimmed = raw.strip()
    if t == "BOOLEAN":
        if trimmed.lower() in ("true", "false"):
            return trimmed.lower() == "true", None
        return None, _invalid(key.name, raw, "Expected value to be either true or false")
    if t in _INT_RANGES:
        bound = _INT_RANGES[t]
        if re.fullmatch(r"[+-]?\d+", trimmed) and -bound <= int(trimmed) < bound:
            return int(trimmed), None
        return None, _invalid(key.name, raw, f"Not a number of type {t}")
    if t == "DOUBLE":
        try:
            return float(trimmed), None
        except ValueError:
            return None, _invalid(key.name, raw, "Not a number of type DOUBLE")
    if t == "LIST":
        return _split_list(raw), None
    if t == "CLASS":
        if fake._class_exists(trimmed):
            return trimmed, None
        return None, _invalid(key.name, raw, f"Class {trimmed} could not be found.")
    if t == "PASSWORD":
        return _Password(raw), None
    return trimmed, None


class _Password(str):
    pass


def _to_string(parsed: Any, type_: str) -> str | None:
    if parsed is None:
        return None
    if type_ == "PASSWORD":
        return "[hidden]"
    if isinstance(parsed, bool):
        return "true" if parsed else "false"
    if isinstance(parsed, list):
        return ",".join(parsed)
    return str(parsed)


def _normalized(name: str) -> str:
    return name.removesuffix("Connector")


def _flag(req: RecordedRequest, name: str) -> bool:
    return req.query.get(name, ["false"])[0].lower() == "true"


def _parse_body(req: RecordedRequest, *, literal: bool) -> Any:
    if not req.raw_body.strip():
        return None
    try:
        return _loads_literal(req.raw_body) if literal else json.loads(req.raw_body)
    except ValueError as exc:
        raise _HttpError(500, f"Unexpected character: {exc}") from None


def _error(status: int, message: str) -> _Reply:
    return _Reply(status, {"error_code": status, "message": message})


def _jersey_error(status: int, message: str) -> _Reply:
    """Jersey's own routing errors come without a Content-Type header."""
    return _Reply(status, {"error_code": status, "message": message}, content_type=None)


_AMBIGUOUS_HTML = (
    b'<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>'
    b"\n<title>Error 400 Ambiguous URI path separator</title>\n</head>\n<body>\n"
    b"<h2>HTTP ERROR 400 Ambiguous URI path separator</h2>\n<table>\n"
    b"<tr><th>URI:</th><td>/badURI</td></tr>\n<tr><th>STATUS:</th><td>400</td></tr>\n"
    b"<tr><th>MESSAGE:</th><td>Ambiguous URI path separator</td></tr>\n</table>\n\n"
    b"</body>\n</html>\n"
)

_BODY_ROUTES = re.compile(
    r"/connectors|/connectors/[^/]+/config|/connectors/[^/]+/offsets"
    r"|/connector-plugins/[^/]+/config/validate|/admin/loggers/[^/]+"
)


# --------------------------------------------------------------------------------------------
# HTTP plumbing


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive handler threads must not block stop()
    allow_reuse_address = True
    fake: FakeConnect

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        with self._conns_lock:
            self._conns.add(sock)
        return sock, addr

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away (killed by a test, or its deadline passed) while an injected
        # delay kept the answer back, or a fake stopped under a handler: not the fake's error.
        # socketserver would print a traceback to the test process's stderr, into whichever
        # test is running by then.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def close_all_connections(self) -> None:
        with self._conns_lock:
            conns, self._conns = list(self._conns), set()
        for sock in conns:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # avoid 40 ms delayed-ACK stalls between writes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        if fake._unreachable:
            self._drop()
            return
        raw_path, _, raw_query = self.path.partition("?")
        decoded = unquote(raw_path)
        try:
            body = json.loads(raw_body) if raw_body.strip() else None
        except ValueError:
            body = None
        req = RecordedRequest(
            self.command,
            decoded,
            parse_qs(raw_query, keep_blank_values=True),
            body,
            Headers(list(self.headers.items())),
            raw_body,
        )
        with fake._lock:
            fake.requests.append(req)
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        try:
            self._answer(fake, req, raw_path, decoded)
        finally:
            with fake._lock:
                fake.in_flight -= 1

    def _answer(self, fake: FakeConnect, req: RecordedRequest, raw_path: str, decoded: str) -> None:
        if fake.latency:
            time.sleep(fake.latency)
        fault = fake._take_fault(req.method, decoded)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.has_body:
            if fault.apply_anyway:
                self._compute(fake, req, raw_path)
            headers = dict(fault.headers)
            if isinstance(fault.body, bytes):
                if fault.content_type:
                    headers["Content-Type"] = fault.content_type
                self._send(
                    _Reply(fault.status or 200, raw=fault.body, headers=headers, content_type=None)
                )
            else:
                self._send(_Reply(fault.status or 200, fault.body, headers=headers))
            return
        if fault is not None and (fault.status is not None or fault.reset_connection):
            if fault.apply_anyway:
                self._compute(fake, req, raw_path)
            if fault.reset_connection:
                self._drop()
                return
            self._send(_error(fault.status or 500, fault.message))
            return
        self._send(self._compute(fake, req, raw_path))

    def _compute(self, fake: FakeConnect, req: RecordedRequest, raw_path: str) -> _Reply:
        if fake._v >= (4, 0, 0) and re.search(r"%2f", raw_path, re.IGNORECASE):
            return _Reply(
                400,
                headers={"Content-Type": "text/html;charset=iso-8859-1"},
                raw=_AMBIGUOUS_HTML,
            )
        segs = [unquote(s) for s in raw_path.split("/")[1:]]
        if segs and segs[-1] == "":
            segs.pop()  # a trailing slash is accepted
        accept = self.headers.get("Accept")
        if accept and not any(a in accept for a in ("json", "*/*", "application/*")):
            return _error(406, "HTTP 406 Not Acceptable")
        if req.method in ("POST", "PUT", "PATCH"):
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            path = "/" + "/".join(segs)
            has_entity = _BODY_ROUTES.fullmatch(path) is not None
            if ctype and ctype != "application/json":
                return _jersey_error(415, "HTTP 415 Unsupported Media Type")
            if not ctype and has_entity and req.raw_body:
                return _error(415, "HTTP 415 Unsupported Media Type")
        rebalance = fake._rebalance_reply(req.method, segs)
        if rebalance is not None:
            return rebalance
        return fake.handle(req, segs)

    def _send(self, reply: _Reply) -> None:
        payload = reply.raw
        headers = dict(reply.headers)
        if payload is None and reply.body is not None:
            payload = json.dumps(reply.body).encode()
            if reply.content_type:
                headers.setdefault("Content-Type", reply.content_type)
        self.send_response(reply.status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload or b"")))
        # Headers and body in one write.
        self._headers_buffer.append(b"\r\n")
        if payload and self.command != "HEAD":
            self._headers_buffer.append(payload)
        self.flush_headers()

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
