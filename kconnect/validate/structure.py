"""Structure: how the keys of one config refer to each other, as Connect and Debezium read them.

- a transform's `predicate` names an alias that `predicates` does not declare (ConnectorConfig
  fails the config);
- `predicates` lists an alias without `predicates.<alias>.type`;
- `negate` on a transform without a `predicate`;
- the same alias twice in `transforms` or `predicates` (ConnectorConfig's "unique aliases"
  validator);
- a Debezium `converters` entry without `<name>.type` (CustomConverterRegistry cannot create it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from kconnect.diagnostics import Problem, error
from kconnect.manifests.model import Manifest
from kconnect.validate.plugin_catalogs import supplement

RULE_PREDICATE_UNDECLARED = "structure/predicate-undeclared"
RULE_PREDICATE_TYPE = "structure/predicate-type-missing"
RULE_NEGATE = "structure/negate-without-predicate"
RULE_DUPLICATE_ALIAS = "structure/duplicate-alias"
RULE_CONVERTER_TYPE = "structure/converter-type-missing"


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def check_structure(manifest: Manifest) -> list[Problem]:
    config = manifest.config
    problems: list[Problem] = []

    def add(rule: str, key: str, message: str) -> None:
        problems.append(error(rule, message, manifest.location_of(key), connector=manifest.name))

    for family in ("transforms", "predicates"):
        listed = _items(config.get(family, ""))
        if len(set(listed)) == len(listed):
            continue  # no alias twice (most configs): no Counter to build
        for alias, n in Counter(listed).items():
            if n > 1:
                add(
                    RULE_DUPLICATE_ALIAS,
                    family,
                    f"{family} lists {alias!r} {n} times: Connect rejects duplicate aliases",
                )
    predicates = _items(config.get("predicates", ""))
    for alias in dict.fromkeys(predicates):
        if not config.get(f"predicates.{alias}.type", "").strip():
            add(
                RULE_PREDICATE_TYPE,
                "predicates",
                f"predicates lists {alias!r} but predicates.{alias}.type is not set: "
                "Connect rejects the config",
            )
    for alias in dict.fromkeys(_items(config.get("transforms", ""))):
        predicate_key, negate_key = f"transforms.{alias}.predicate", f"transforms.{alias}.negate"
        predicate = config.get(predicate_key, "").strip()
        if predicate and predicate not in predicates:
            declared = ", ".join(predicates) or "none"
            add(
                RULE_PREDICATE_UNDECLARED,
                predicate_key,
                f"{predicate_key}: predicate {predicate!r} is not declared in predicates "
                f"({declared}): Connect rejects the config",
            )
        if negate_key in config and not predicate:
            add(
                RULE_NEGATE,
                negate_key,
                f"{negate_key} is set but transforms.{alias}.predicate is not: "
                "Connect rejects the config",
            )
    if "converters" in supplement(manifest.connector_class).named_entries:
        for name in dict.fromkeys(_items(config.get("converters", ""))):
            if not config.get(f"{name}.type", "").strip():
                add(
                    RULE_CONVERTER_TYPE,
                    "converters",
                    f"converters lists {name!r} but {name}.type is not set: Debezium cannot "
                    "create the converter and the task fails",
                )
    return problems


RULE_DEBEZIUM = "debezium/invalid"
_KAFKA_HISTORY = "io.debezium.storage.kafka.history.KafkaSchemaHistory"
_BINLOG = frozenset(
    {"io.debezium.connector.mysql.MySqlConnector", "io.debezium.connector.mariadb.MariaDbConnector"}
)


def _int(config: Mapping[str, str], key: str, default: int) -> int | None:
    try:
        return int(config.get(key, str(default)).strip())
    except ValueError:
        return None  # not a number: the value checks report it


def check_debezium_code_rules(manifest: Manifest) -> list[Problem]:
    """Debezium validators that read more than one key, by hand (each cites the upstream
    method); single-key validators are generated (catalog checks, probed)."""
    config = manifest.config
    if manifest.connector_class not in _BINLOG:
        return []
    problems: list[Problem] = []
    # BinlogSourceConnector.taskConfigs throws "Only a single connector task may be started":
    # the worker's validate accepts the config, then the connector shows RUNNING with no task
    # and captures nothing (seen on the real worker: tests/oracle_corpus.py).
    tasks = _int(config, "tasks.max", 1)
    if tasks is not None and tasks > 1:
        problems.append(
            error(
                "schema/range",
                f"tasks.max is {tasks}: Debezium binlog connectors run a single task; with "
                'tasks.max > 1 no task starts ("Only a single connector task may be started") '
                "and the connector captures nothing",
                manifest.location_of("tasks.max"),
                connector=manifest.name,
            )
        )
    # KafkaSchemaHistory (the default schema.history.internal): TOPIC and BOOTSTRAP_SERVERS are
    # Field.required(), validated by HistorizedRelationalDatabaseConnectorConfig.validate.
    history = config.get("schema.history.internal", "").strip() or _KAFKA_HISTORY
    if history == _KAFKA_HISTORY:
        for key in (
            "schema.history.internal.kafka.topic",
            "schema.history.internal.kafka.bootstrap.servers",
        ):
            if not config.get(key, "").strip():
                problems.append(
                    error(
                        "schema/required",
                        f"{key} is required by {manifest.connector_class} (with the default "
                        "schema.history.internal, KafkaSchemaHistory)",
                        manifest.location,
                        connector=manifest.name,
                    )
                )
    # RelationalDatabaseConnectorConfig's exclude-list validators: an include list and an exclude
    # list of the same kind cannot both be set (checked against 3.5.0.Final's Field validators).
    for kind in ("database", "table", "column"):
        include, exclude = f"{kind}.include.list", f"{kind}.exclude.list"
        if config.get(include, "").strip() and config.get(exclude, "").strip():
            problems.append(
                error(
                    RULE_DEBEZIUM,
                    f'{exclude}: "{include}" is already specified; Debezium takes one of the two '
                    f"(RelationalDatabaseConnectorConfig.validate{kind.title()}ExcludeList)",
                    manifest.location_of(exclude),
                    connector=manifest.name,
                )
            )
    # CommonConnectorConfig.validateMaxQueueSize: "Must be larger than the maximum batch size".
    queue, batch = _int(config, "max.queue.size", 8192), _int(config, "max.batch.size", 2048)
    if queue is not None and batch is not None and 0 < queue <= batch:
        key = "max.queue.size" if "max.queue.size" in config else "max.batch.size"
        problems.append(
            error(
                RULE_DEBEZIUM,
                f"max.queue.size ({queue}) must be larger than max.batch.size ({batch}) "
                "(Debezium CommonConnectorConfig.validateMaxQueueSize)",
                manifest.location_of(key),
                connector=manifest.name,
            )
        )
    return problems
