"""Catalogs from a real worker: every key each installed plugin defines, as the worker says.

A catalog is one JSON file per plugin class (`<class>.json`):

    {"class": ..., "type": "source|sink|transformation|predicate|converter|header_converter",
     "version": "3.5.0.Final", "origin": "...", "keys": [{"name", "type", "default",
     "required", "importance", "group", "documentation", "display_name", "allowed"?}]}

plus `framework-source.json` / `framework-sink.json`, the keys Connect itself reads for every
source or sink (`GET /connector-plugins/{class}/config` lists them after the plugin's own keys,
in the framework's groups). `allowed` is the worker's `recommended_values` from
`PUT /connector-plugins/{class}/config/validate` (omitted for CLASS keys, whose recommendations
are simply the worker's installed plugins).

Used by `python -m kconnect.validate.catalog_gen` (the bundled catalogs) and by
`kconnect plugins snapshot` (a project's own cluster). Talks to the worker with httpx directly:
this is a generator, run by hand, not part of a command's retry policy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

# Groups the Connect runtime puts its own keys in (ConnectorConfig, SinkConnectorConfig,
# SourceConnectorConfig); a plugin's keys are in its own groups (or none).
FRAMEWORK_GROUPS = frozenset(
    {
        "Common",
        "Transforms",
        "Predicates",
        "Error Handling",
        "Topic Creation",
        "Exactly Once Support",
        "offsets.topic",
    }
)
CONNECTOR_TYPES = ("source", "sink")
# Bundled files the worker's REST API does not produce.
HAND_WRITTEN = frozenset({"supplement.json", "kafka-clients.json", "framework-topic-creation.json"})
PROBE_NAME = "kconnect-catalog-probe"


def _key(definition: Mapping[str, Any], allowed: Iterable[str] = ()) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": definition["name"],
        "type": definition.get("type"),
        "default": definition.get("default_value"),
        "required": bool(definition.get("required")),
        "importance": definition.get("importance"),
        "group": definition.get("group"),
        "display_name": definition.get("display_name"),
        "documentation": definition.get("documentation") or "",
    }
    values = list(dict.fromkeys(allowed))
    # CLASS and plugin.version recommendations are the worker's installed plugins, not a rule.
    if values and entry["type"] != "CLASS" and not entry["name"].endswith("plugin.version"):
        entry["allowed"] = values
    return entry


class PluginSource(Protocol):
    """What the generator needs from a worker; `kconnect.api.client.ConnectClient` has it."""

    def server_info(self) -> dict[str, Any]: ...

    def plugins(self, *, connectors_only: bool = True) -> list[dict[str, Any]]: ...

    def plugin_config(self, plugin: str) -> list[dict[str, Any]]: ...

    def validate(self, connector_class: str, config: Mapping[str, str]) -> dict[str, Any]: ...


class CatalogReader:
    """A `PluginSource` over plain httpx, for running the generator by hand (no retries)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        import httpx

        self._http = httpx.Client(base_url=url.rstrip("/"), timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str) -> Any:
        answer = self._http.get(path)
        answer.raise_for_status()
        return answer.json()

    def server_info(self) -> dict[str, Any]:
        found: dict[str, Any] = self._get("/")
        return found

    def plugins(self, *, connectors_only: bool = True) -> list[dict[str, Any]]:
        flag = "true" if connectors_only else "false"
        found: list[dict[str, Any]] = self._get(f"/connector-plugins?connectorsOnly={flag}")
        return found

    def plugin_config(self, plugin: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._get(
            f"/connector-plugins/{quote(plugin, safe='')}/config"
        )
        return found

    def validate(self, connector_class: str, config: Mapping[str, str]) -> dict[str, Any]:
        answer = self._http.put(
            f"/connector-plugins/{quote(connector_class, safe='')}/config/validate",
            json=dict(config),
        )
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found


def _recommended(source: PluginSource, cls: str, config: Mapping[str, str]) -> dict[str, list[str]]:
    """`recommended_values` per key of a validate call (no connector is created)."""
    try:
        answer = source.validate(cls, config)
    except Exception:
        return {}
    out: dict[str, list[str]] = {}
    for entry in answer.get("configs", []):
        value = entry.get("value") or {}
        if value.get("recommended_values"):
            out[value["name"]] = [str(v) for v in value["recommended_values"]]
    return out


def _catalog(
    cls: str, kind: str, version: str | None, keys: list[dict[str, Any]], origin: str
) -> dict[str, Any]:
    return {"class": cls, "type": kind, "version": version, "origin": origin, "keys": keys}


def read_worker(url: str) -> tuple[dict[str, dict[str, Any]], str]:
    """Every catalog of the worker at `url` (`read_catalogs`), and the worker's version."""
    reader = CatalogReader(url)
    try:
        return read_catalogs(reader), str(reader.server_info().get("version", ""))
    finally:
        reader.close()


def read_catalogs(reader: PluginSource) -> dict[str, dict[str, Any]]:
    """File name → catalog for every plugin the worker has, plus the framework catalogs."""
    worker_version = str(reader.server_info().get("version", ""))
    origin = (
        f"generated from a Kafka Connect {worker_version} worker: "
        "GET /connector-plugins/{class}/config and PUT .../config/validate "
        "(kconnect.validate.catalog_gen)"
    )
    plugins = reader.plugins(connectors_only=False)
    by_class: dict[str, dict[str, Any]] = {}
    for plugin in plugins:
        entry = by_class.setdefault(
            plugin["class"], {"types": [], "version": plugin.get("version")}
        )
        entry["types"].append(plugin["type"])
    smts = [c for c, e in by_class.items() if "transformation" in e["types"]]
    predicates = [c for c, e in by_class.items() if "predicate" in e["types"]]
    out: dict[str, dict[str, Any]] = {}
    framework: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in CONNECTOR_TYPES}
    smt_recommended: dict[str, dict[str, list[str]]] = {}
    for cls, entry in sorted(by_class.items()):
        types: list[str] = entry["types"]
        kind = next((t for t in types if t in CONNECTOR_TYPES), types[0])
        definitions = reader.plugin_config(cls)
        recommended: dict[str, list[str]] = {}
        if kind in CONNECTOR_TYPES:
            probe = {"connector.class": cls, "name": PROBE_NAME}
            if kind == "sink":
                probe["topics"] = PROBE_NAME
            recommended = _recommended(reader, cls, probe)
            if not smt_recommended and smts:
                smt_recommended = _smt_recommendations(reader, cls, kind, smts, predicates)
        own = []
        for d in definitions:
            key = _key(d, recommended.get(d["name"], ()))
            if kind in CONNECTOR_TYPES and d.get("group") in FRAMEWORK_GROUPS:
                # Some framework keys echo the plugin (`connector.plugin.version` defaults to
                # its version): Kafka's own connectors say what the framework says.
                if cls.startswith("org.apache.kafka."):
                    framework[kind][d["name"]] = key
                else:
                    framework[kind].setdefault(d["name"], key)
            else:
                own.append(key)
        if kind in ("transformation", "predicate"):
            hints = smt_recommended.get(cls, {})
            own = [_key(d, hints.get(d["name"], ())) for d in definitions]
        if "header_converter" in types and kind != "header_converter":
            kind = "converter"  # also a header converter: one catalog for both uses
        out[f"{cls}.json"] = _catalog(cls, kind, entry.get("version"), own, origin)
        out[f"{cls}.json"]["plugin_types"] = sorted(types)
    for kind, keys in framework.items():
        if keys:
            name = f"framework-{kind}"
            out[f"{name}.json"] = _catalog(name, kind, worker_version, list(keys.values()), origin)
    return out


def _smt_recommendations(
    reader: PluginSource, cls: str, kind: str, smts: list[str], predicates: list[str]
) -> dict[str, dict[str, list[str]]]:
    """One validate call naming every SMT and predicate, so their keys' recommendations show."""
    config = {"connector.class": cls, "name": PROBE_NAME}
    if kind == "sink":
        config["topics"] = PROBE_NAME
    aliases = {f"t{i}": smt for i, smt in enumerate(smts)}
    paliases = {f"p{i}": p for i, p in enumerate(predicates)}
    config["transforms"] = ",".join(aliases)
    config.update({f"transforms.{a}.type": smt for a, smt in aliases.items()})
    config["predicates"] = ",".join(paliases)
    config.update({f"predicates.{a}.type": p for a, p in paliases.items()})
    found = _recommended(reader, cls, config)
    out: dict[str, dict[str, list[str]]] = {}
    for family, names in (("transforms", aliases), ("predicates", paliases)):
        for alias, plugin in names.items():
            prefix = f"{family}.{alias}."
            out[plugin] = {
                k[len(prefix) :]: v
                for k, v in found.items()
                if k.startswith(prefix) and k[len(prefix) :] != "type"
            }
    return out


TOOL = Path(__file__).resolve().parents[2] / "tools" / "DumpConfigDefs.java"


def dump_config_defs(kafka_libs: Path, plugin_path: Iterable[Path] = ()) -> dict[str, Any]:
    """Every ConfigDef the worker's class path and plugin path define, with validators as data,
    by running tools/DumpConfigDefs.java (needs a JDK 17+ on PATH): what the REST API leaves
    out (`GET /connector-plugins/{class}/config` has no validators)."""
    import subprocess

    command = ["java", "-cp", f"{kafka_libs}/*", str(TOOL), *(str(p) for p in plugin_path)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def checks_of(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The checks one key's validator makes, as data `kconnect.validate.values` applies.

    From a ConfigDef validator (Range, ValidString, CaseInsensitiveValidString, ValidList,
    NonEmptyString, composites) directly; from a Debezium `Field` validator by what it did to
    the probe values (tools/DumpConfigDefs.java runs it on each); validators that are other
    code keep their class and text (`kind: code`) and are covered by hand rules where they matter.
    """
    out: list[dict[str, Any]] = []

    def add(validator: Mapping[str, Any] | None) -> None:
        if not validator:
            return
        kind = validator.get("kind")
        if kind == "all":
            for part in validator.get("validators", []):
                add(part)
        elif kind == "range":
            out.append({"kind": "range", "min": validator.get("min"), "max": validator.get("max")})
        elif kind == "enum":
            out.append(
                {
                    "kind": "enum",
                    "values": list(validator.get("values", [])),
                    "case_sensitive": bool(validator.get("case_sensitive")),
                }
            )
        elif kind == "list":
            out.append(
                {
                    "kind": "list",
                    "values": list(validator.get("values", [])),
                    "empty_allowed": validator.get("empty_allowed") is not False,
                }
            )
        elif kind in ("non_empty", "non_empty_no_control"):
            out.append({"kind": "non_empty"})
        elif kind == "code":
            out.append(_code_validator(validator))

    add(definition.get("validator"))
    probes = {p["value"]: p["ok"] for p in definition.get("probes", [])}
    if probes:
        messages = {p["value"]: p.get("message", "") for p in definition.get("probes", [])}
        out.extend(_probed_checks(definition, probes, messages))
    return out


def _code_validator(validator: Mapping[str, Any]) -> dict[str, Any]:
    """A validator that is code, as data where its class is known to mean one."""
    cls, text = str(validator.get("class") or ""), str(validator.get("text") or "")
    if text.startswith(cls + "@"):
        text = ""  # Object.toString(): an identity hash, different on every run
    if cls.endswith("elasticsearch.EnumRecommender") and text.startswith("["):
        # EnumRecommender.ensureValid: value.toString().toLowerCase() in the lower-case values.
        values = [v.strip() for v in text.strip("[]").split(",") if v.strip()]
        return {"kind": "enum", "values": values, "case_sensitive": False, "source": cls}
    return {"kind": "code", "class": cls, "text": text}


def _probed_checks(
    definition: Mapping[str, Any],
    ok: Mapping[str | None, Any],
    messages: Mapping[str | None, str],
) -> list[dict[str, Any]]:
    """What a Debezium Field validator checks, read from its answers to the probe values."""
    out: list[dict[str, Any]] = []
    source = "io.debezium.config.Field validator (probed by tools/DumpConfigDefs.java)"
    if ok.get("") is False and ok.get(None) is not False:
        out.append({"kind": "non_empty", "source": source})
    if ok.get("-1") is False and ok.get("0") is True:
        out.append({"kind": "range", "min": 0, "max": None, "source": source})
    elif ok.get("0") is False and ok.get("1") is True:
        out.append({"kind": "range", "min": 1, "max": None, "source": source})
    allowed = [str(v) for v in definition.get("field_allowed", [])]
    if allowed and ok.get("kconnect-not-a-value") is False:
        upper = allowed[0].upper()
        sensitive = upper != allowed[0] and ok.get(upper) is False
        check: dict[str, Any] = {
            "kind": "enum",
            "values": allowed,
            "case_sensitive": sensitive,
            "source": source,
        }
        # Values of the enum the connector's own validator refuses all the same (binlog
        # connectors: time.precision.mode=adaptive), exactly as written, with its message.
        rejected = {v: messages.get(v) or "" for v in allowed if ok.get(v) is False}
        if rejected:
            check["rejected"] = rejected
        out.append(check)
    elif ok.get("(") is False and "regular expression" in (messages.get("(") or ""):
        out.append({"kind": "regex_list", "source": source})
    elif ok.get("(") is False and "alphanumeric characters are allowed" in (
        messages.get("(") or ""
    ):
        out.append(
            {
                "kind": "pattern",
                "regex": "[A-Za-z0-9._-]+",
                "message": "only the underscore, hyphen, dot and alphanumeric characters are "
                "allowed",
                "source": source,
            }
        )
    return out


def _required(definition: Mapping[str, Any]) -> bool:
    if definition.get("required"):
        return True
    if definition.get("declared_in"):
        return False  # a class the connector may not use (FileSchemaHistory): not required
    return any(p["value"] is None and p["ok"] is False for p in definition.get("probes", []))


def merge_config_defs(catalogs: dict[str, dict[str, Any]], dump: Mapping[str, Any]) -> None:
    """Put each key's checks (and required-ness) from `dump_config_defs` into the catalogs."""
    plugins: Mapping[str, list[dict[str, Any]]] = dump.get("plugins", {})
    framework = dump.get("framework", {})
    for catalog in catalogs.values():
        cls = catalog.get("class", "")
        if cls.startswith("framework-"):
            kind = cls.removeprefix("framework-")
            definitions = [*framework.get("common", []), *framework.get(kind, [])]
        else:
            definitions = plugins.get(cls, [])
        by_name = {d["name"]: d for d in definitions}
        listed = {key["name"] for key in catalog.get("keys", [])}
        for d in definitions:
            if d.get("field_only") and d["name"] not in listed:
                listed.add(d["name"])
                # Read by the connector (a static io.debezium.config.Field of its config classes)
                # but not listed by GET /connector-plugins/{class}/config.
                catalog["keys"].append(
                    {
                        "name": d["name"],
                        "type": d.get("type"),
                        "default": d.get("default"),
                        "required": False,
                        "importance": None,
                        "group": None,
                        "display_name": None,
                        "documentation": d.get("documentation") or "",
                        "declared_in": d.get("declared_in"),
                    }
                )
        for key in catalog.get("keys", []):
            definition = by_name.get(key["name"])
            if definition is None:
                continue
            checks = checks_of(definition)
            key.pop("checks", None)
            if checks:
                key["checks"] = checks
            if _required(definition) and not key.get("required"):
                key["required"] = True


def topic_creation_catalog(dump: Mapping[str, Any], version: str) -> dict[str, Any]:
    """`topic.creation.<group>.*` keys of a source: the default group's and any other group's."""
    framework = dump.get("framework", {})
    groups = {}
    for group, section in (
        ("default", "topic-creation-default"),
        ("other", "topic-creation-group"),
    ):
        keys = []
        for d in framework.get(section, []):
            name = (
                d["name"]
                .removeprefix("topic.creation.default.")
                .removeprefix("topic.creation.GROUP.")
            )
            keys.append(
                {
                    "name": name,
                    "type": d["type"],
                    "required": bool(d.get("required")),
                    "checks": checks_of(d),
                }
            )
        groups[group] = keys
    return {
        "class": "framework-topic-creation",
        "type": "topic-creation",
        "version": version,
        "origin": "connect-runtime TopicCreationConfig.defaultGroupConfigDef() and "
        "configDef(group, ...) (tools/DumpConfigDefs.java)",
        "groups": groups,
    }


def client_catalog(dump: Mapping[str, Any], version: str) -> dict[str, Any]:
    """The Kafka client configs (producer, consumer, admin) with types and checks."""
    clients: dict[str, list[dict[str, Any]]] = {}
    for kind, definitions in sorted(dump.get("clients", {}).items()):
        entries = []
        for d in definitions:
            entry: dict[str, Any] = {"name": d["name"], "type": d["type"]}
            checks = checks_of(d)
            if checks:
                entry["checks"] = checks
            entries.append(entry)
        clients[kind] = sorted(entries, key=lambda e: e["name"])
    return {
        "class": "kafka-clients",
        "type": "clients",
        "version": version,
        "origin": f"kafka-clients {version}: ProducerConfig, ConsumerConfig, "
        "AdminClientConfig.configDef() (tools/DumpConfigDefs.java)",
        "clients": clients,
    }


def write_catalogs(catalogs: Mapping[str, Mapping[str, Any]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, catalog in sorted(catalogs.items()):
        path = folder / name
        path.write_text(json.dumps(catalog, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - run by hand
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "url",
        nargs="?",
        help="Connect REST URL, e.g. http://127.0.0.1:8083; without it, the catalogs already "
        "in --out keep their keys and only get their checks refreshed (needs --kafka-libs)",
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--only", action="append", default=[], help="class name (repeatable)")
    parser.add_argument(
        "--kafka-libs",
        type=Path,
        help="the worker's class path folder (Kafka's libs/): read validators from the "
        "ConfigDefs, and write kafka-clients.json and framework-topic-creation.json",
    )
    parser.add_argument(
        "--plugin-path",
        type=Path,
        action="append",
        default=[],
        help="a folder of the worker's plugin.path (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.url:
        catalogs, worker_version = read_worker(args.url)
    else:
        catalogs = {
            p.name: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(args.out.glob("*.json"))
            if p.name not in HAND_WRITTEN
        }
        worker_version = str(catalogs["framework-sink.json"].get("version", ""))
    if args.only:
        keep = set(args.only) | {"framework-source", "framework-sink"}
        catalogs = {n: c for n, c in catalogs.items() if c["class"] in keep}
    if args.kafka_libs:
        dump = dump_config_defs(args.kafka_libs, args.plugin_path)
        merge_config_defs(catalogs, dump)
        catalogs["kafka-clients.json"] = client_catalog(dump, worker_version)
        catalogs["framework-topic-creation.json"] = topic_creation_catalog(dump, worker_version)
    for path in write_catalogs(catalogs, args.out):
        print(path)  # noqa: T201 - a generator run by hand lists what it wrote
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
