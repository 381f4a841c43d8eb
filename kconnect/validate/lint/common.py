"""What every pipeline rule reads: well-known classes, config readers, transforms, the report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from kconnect.diagnostics import Location, Problem
from kconnect.manifests.model import Manifest
from kconnect.validate.lint.rules import RULES

MYSQL = "io.debezium.connector.mysql.MySqlConnector"
MARIADB = "io.debezium.connector.mariadb.MariaDbConnector"
BINLOG_CLASSES = frozenset({MYSQL, MARIADB})
ELASTICSEARCH = "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector"
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
KAFKA_HISTORY = "io.debezium.storage.kafka.history.KafkaSchemaHistory"
DEFAULT_NAMING = "io.debezium.schema.DefaultTopicNamingStrategy"
REGEX_ROUTER = "org.apache.kafka.connect.transforms.RegexRouter"
LOGICAL_ROUTER = "io.debezium.transforms.ByLogicalTableRouter"
EXTRACT_KEY = "org.apache.kafka.connect.transforms.ExtractField$Key"

# What lint assumes about the worker when neither the manifests nor `worker_defaults` say.
DEFAULT_WORKER: Mapping[str, str] = {
    "key.converter": JSON_CONVERTER,
    "value.converter": JSON_CONVERTER,
}


# --- small readers -------------------------------------------------------------------------


def read_bool(config: Mapping[str, str], key: str, default: bool) -> bool:
    value = config.get(key, "").strip().lower()
    return {"true": True, "false": False}.get(value, default)


def read_int(config: Mapping[str, str], key: str, default: int | None = None) -> int | None:
    try:
        return int(config.get(key, "").strip())
    except ValueError:
        return default


def read_lower(config: Mapping[str, str], key: str, default: str) -> str:
    return (config.get(key) or default).strip().lower()


def split_list(value: str, sep: str = ",") -> list[str]:
    return [item.strip() for item in value.split(sep) if item.strip()]


def is_sink(m: Manifest) -> bool:
    cls = m.connector_class
    simple = cls.rsplit(".", 1)[-1]
    return (
        cls == ELASTICSEARCH
        or "Sink" in simple
        or bool(m.config.get("topics", "").strip())
        or bool(m.config.get("topics.regex", "").strip())
    )


class Transform(NamedTuple):
    """One single message transform of a connector: its alias, class and properties."""

    alias: str
    type: str
    props: Mapping[str, str]

    def key(self, prop: str) -> str:
        return f"transforms.{self.alias}.{prop}"


def transforms_of(m: Manifest) -> list[Transform]:
    found = []
    for alias in split_list(m.config.get("transforms", "")):
        prefix = f"transforms.{alias}."
        props = {k[len(prefix) :]: v for k, v in m.config.items() if k.startswith(prefix)}
        found.append(Transform(alias, props.get("type", "").strip(), props))
    return found


def is_unwrap(t: Transform) -> bool:
    simple = t.type.rsplit(".", 1)[-1]
    return simple in ("ExtractNewRecordState", "ExtractNewDocumentState")


# Key SMTs that keep (or make) a Struct key; any other `…$Key` SMT is assumed to reduce it.
_NON_REDUCING_KEY_SMTS = frozenset(
    f"org.apache.kafka.connect.transforms.{name}$Key"
    for name in (
        "ReplaceField",
        "MaskField",
        "HoistField",
        "InsertField",
        "SetSchemaMetadata",
        "Flatten",
        "TimestampConverter",
        "Cast",
        "ValueToKey",
    )
) | {"org.apache.kafka.connect.transforms.ValueToKey"}


def reduces_key(t: Transform) -> bool:
    if t.type == EXTRACT_KEY:
        return True
    return t.type.endswith("$Key") and t.type not in _NON_REDUCING_KEY_SMTS


class Report:
    def __init__(self) -> None:
        self.problems: dict[tuple[str, str | None, Location, str], Problem] = {}

    def add(self, rule_id: str, m: Manifest, key: str | None, message: str) -> None:
        rule = RULES[rule_id]
        location = m.location_of(key) if key else m.location
        problem = Problem(rule.severity, rule.id, message, location, rule.hint, m.name)
        self.problems.setdefault((rule.id, m.name, location, message), problem)

    def sorted(self) -> list[Problem]:
        return sorted(self.problems.values(), key=Problem.sort_key)
