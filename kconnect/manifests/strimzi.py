"""Strimzi `KafkaConnector` resources: read as manifests, and written from live connectors.

Teams on Kubernetes keep connectors as `KafkaConnector` custom resources, which the Strimzi
operator turns into Connect REST calls. kconnect reads them as it reads its own manifests, so
`validate`, `plan` and `apply` gate them before `kubectl apply`; `export --format strimzi`
writes them.

What Connect ends up storing is what matters, so values are read the way they travel:
kubectl turns YAML into JSON with go-yaml's YAML 1.1 rules (`on`, `y` and `yes` are booleans,
`0755` is the octal number 493, `1.50` is the number 1.5), the operator sends the JSON
numbers and booleans on, and Connect keeps their JSON text. Where that text differs from what
was written, a warning says so. The schema follows Strimzi's CRD (`047-Crd-kafkaconnector.yaml`)
for each API version: an unknown field is an error, as `kubectl apply` (strict field validation)
makes it. `v1` is the API of Strimzi 1.0 and later; `v1beta2` is deprecated since 0.49 and no
longer served from 1.0, so it is read (with its own fields, `spec.pause` included) and warned about.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kconnect.diagnostics import Location
from kconnect.manifests.collector import Collector
from kconnect.manifests.interpolate import InterpolationError, interpolate
from kconnect.manifests.model import Manifest, TargetState
from kconnect.manifests.names import connector_class_problem, validate_connector_name
from kconnect.manifests.yaml_nodes import is_resource, loc, mapping_items
from kconnect.output.redaction import is_secret_key
from kconnect.records import record

if TYPE_CHECKING:
    import yaml

GROUP = "kafka.strimzi.io"
KIND = "KafkaConnector"
SERVED_VERSIONS = ("v1beta2", "v1")
CLUSTER_LABEL = "strimzi.io/cluster"
LATEST_VERSION = "v1"
DEFAULT_API_VERSION = f"{GROUP}/{LATEST_VERSION}"
# Served by Strimzi before 1.0 only (deprecated since 0.49, removed in 1.0).
_DEPRECATED_VERSIONS = frozenset({"v1beta2"})

# Keys kubectl/Strimzi put at the top of a resource; `status` is what `kubectl get -o yaml`
# adds, and is ignored.
_TOP_LEVEL = ("apiVersion", "kind", "metadata", "spec", "status")
# ObjectMeta: anything else is rejected by the API server.
_METADATA = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "labels",
        "annotations",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "ownerReferences",
        "finalizers",
        "managedFields",
        "selfLink",
    }
)
# KafkaConnectorSpec per served version (v1 dropped the deprecated `pause`); tests check these
# against the CRDs kept under tests/strimzi_crds/.
_SPEC_FIELDS = {
    "v1beta2": (
        "class",
        "tasksMax",
        "autoRestart",
        "version",
        "config",
        "state",
        "pause",
        "listOffsets",
        "alterOffsets",
    ),
    "v1": (
        "class",
        "tasksMax",
        "autoRestart",
        "version",
        "config",
        "state",
        "listOffsets",
        "alterOffsets",
    ),
}
# Spec fields a version no longer has, and what replaces them.
_REMOVED_SPEC_FIELDS = {
    "v1": {
        "pause": "spec.pause is not in kafka.strimzi.io/v1 (removed in 1.0); use spec.state: paused"
    },
}
# spec.config keys Strimzi fills in from elsewhere: the spec field (or metadata.name) wins.
_FROM_SPEC = {
    "name": "metadata.name",
    "connector.class": "spec.class",
    "tasks.max": "spec.tasksMax",
    "connector.plugin.version": "spec.version",
}
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL_VALUE = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")

# go-yaml v2 (what kubectl uses) resolves these plain scalars; PyYAML's YAML 1.1 rules differ
# in places (`y`/`n` are strings there, `1:30` is a base-60 number), so we resolve ourselves.
_GO_TRUE = frozenset(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"])
_GO_FALSE = frozenset(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"])
_GO_NULL = frozenset(["", "~", "null", "Null", "NULL"])
_GO_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_SPECIAL_FLOAT = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}
_STANDARD_TAG = "tag:yaml.org,2002:"
_INT32_MAX = 2**31 - 1
_STR_TAG = "tag:yaml.org,2002:str"


# -- reading YAML scalars the way kubectl does ---------------------------------------------------


@record
class Scalar:
    """A YAML scalar as the API server stores it: `value` is str, bool, int, float or None."""

    value: str | bool | int | float | None
    text: str

    @property
    def type_name(self) -> str:
        if self.value is None:
            return "null"
        return {bool: "a boolean", int: "an integer", float: "a number"}.get(
            type(self.value), "a string"
        )


def resolve_scalar(node: yaml.ScalarNode) -> Scalar:
    """The JSON value kubectl would send for this scalar: quoted and block scalars are
    strings, plain ones follow go-yaml's rules."""
    if node.style:  # libyaml says '' for plain, PyYAML None
        return Scalar(node.value, node.value)
    return Scalar(_go_plain_value(node.value), node.value)


def _go_plain_value(text: str) -> str | bool | int | float | None:
    if text in _GO_TRUE:
        return True
    if text in _GO_FALSE:
        return False
    if text in _GO_NULL:
        return None
    if _GO_SPECIAL_FLOAT.fullmatch(text):
        return float(text.lower().replace(".", "", 1))
    if text[:1] in "+-.0123456789":
        plain = text.replace("_", "")
        number = _go_int(plain)
        if number is not None:
            return number
        if _GO_FLOAT.fullmatch(plain):
            return float(plain)
    return text


def _go_int(text: str) -> int | None:
    """Go's `strconv.ParseInt(text, 0, 64)`, then `ParseUint`: prefixes 0x, 0o, 0b, and a
    leading 0 for octal."""
    sign, body = (text[0], text[1:]) if text[:1] in "+-" else ("", text)
    lowered = body[:2].lower()
    base, digits = 10, body
    if lowered in ("0x", "0o", "0b"):
        base, digits = {"0x": 16, "0o": 8, "0b": 2}[lowered], body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, digits = 8, body[1:]
    if not digits or any(c not in _DIGITS[base] for c in digits):
        return None
    value = int(digits, base) * (-1 if sign == "-" else 1)
    if -(2**63) <= value < 2**63 or (sign == "" and 0 <= value < 2**64):
        return value
    return None


def connect_text(scalar: Scalar) -> str | None:
    """The string Connect stores for a JSON value, or None when it cannot be said for sure
    (Connect keeps Java's number formatting: `1.0E-4`, `1.2345678E7`)."""
    value = scalar.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))  # Go writes 1000.0 as `1000`, which Java reads as a long
        if 1e-3 <= abs(value) < 1e7:
            return repr(value)  # Java's Double.toString agrees in this range
        return None
    return value


# -- loading ---------------------------------------------------------------------------------------


def resource_manifests(
    node: yaml.Node, display: str, env: Mapping[str, str], collector: Collector
) -> list[Manifest]:
    """The manifests a Kubernetes document declares: one per KafkaConnector (a `List` may hold
    several); anything else is skipped with a note."""
    from kconnect.pyyaml import yaml

    start = loc(display, node)
    if not isinstance(node, yaml.MappingNode):
        collector.add("strimzi/resource", "a Kubernetes resource must be a mapping", start)
        return []
    fields = {k: (v, w) for k, v, w in mapping_items(node, display, collector, "resource")}
    api_version = _plain_string(fields, "apiVersion", collector)
    kind = _plain_string(fields, "kind", collector)
    if api_version is None or kind is None:
        missing = "apiVersion" if api_version is None else "kind"
        if missing not in fields:
            collector.add("strimzi/resource", f"a Kubernetes resource needs {missing!r}", start)
        return []
    if kind in ("List", "KafkaConnectorList"):
        items = fields.get("items")
        if items is None or not isinstance(items[0], yaml.SequenceNode):
            collector.add("strimzi/resource", f"a {kind} needs a list of 'items'", start)
            return []
        manifests: list[Manifest] = []
        for item in items[0].value:
            if is_resource(item):
                manifests.extend(resource_manifests(item, display, env, collector))
            else:
                collector.add(
                    "strimzi/resource",
                    f"{kind} items must be Kubernetes resources (apiVersion, kind)",
                    loc(display, item),
                )
        return manifests
    group, _, version = api_version.rpartition("/")
    if kind != KIND or group != GROUP:
        name = _metadata_name(fields)
        what = f"{kind} {name}" if name else kind
        collector.note(
            "strimzi/skipped", f"skipped {what} ({api_version}): not a KafkaConnector", start
        )
        return []
    if version not in SERVED_VERSIONS:
        collector.add(
            "strimzi/api-version",
            f"{api_version} is not served by Strimzi for KafkaConnector "
            f"(use {DEFAULT_API_VERSION})",
            fields["apiVersion"][1],
        )
        return []
    if version in _DEPRECATED_VERSIONS:
        collector.warn(
            "strimzi/deprecated-api",
            f"{api_version} is deprecated since Strimzi 0.49 and no longer served from 1.0: "
            f"use {DEFAULT_API_VERSION} (spec.pause becomes spec.state)",
            fields["apiVersion"][1],
        )
    manifest = _kafka_connector(
        fields, version, start, display=display, env=env, collector=collector
    )
    return [manifest] if manifest is not None else []


def _metadata_name(fields: Mapping[str, tuple[yaml.Node, Location]]) -> str | None:
    from kconnect.pyyaml import yaml

    metadata = fields.get("metadata")
    if metadata is None or not isinstance(metadata[0], yaml.MappingNode):
        return None
    for key, value in metadata[0].value:
        if getattr(key, "value", None) == "name" and isinstance(value, yaml.ScalarNode):
            return str(value.value)
    return None


def _plain_string(
    fields: Mapping[str, tuple[yaml.Node, Location]], key: str, collector: Collector
) -> str | None:
    from kconnect.pyyaml import yaml

    if key not in fields:
        return None
    node, where = fields[key]
    if isinstance(node, yaml.ScalarNode):
        scalar = resolve_scalar(node)
        if isinstance(scalar.value, str) and scalar.value:
            return scalar.value
    collector.add("strimzi/type", f"{key!r} must be a non-empty string", where)
    return None


@record(frozen=False)
class _Reader:
    """Type checks for one resource, each problem at its line."""

    display: str
    collector: Collector
    what: str = "KafkaConnector"

    def fields(
        self,
        node: yaml.Node,
        where: Location,
        path: str,
        allowed: tuple[str, ...] | frozenset[str],
        removed: Mapping[str, str] | None = None,
    ) -> dict[str, tuple[yaml.Node, Location]] | None:
        from kconnect.pyyaml import yaml

        if not isinstance(node, yaml.MappingNode):
            self.collector.add("strimzi/type", f"{path} must be a mapping", where)
            return None
        result: dict[str, tuple[yaml.Node, Location]] = {}
        for key, value, key_where in mapping_items(node, self.display, self.collector, path):
            if removed and key in removed:
                self.collector.add("strimzi/removed-field", removed[key], key_where)
                continue
            if key not in allowed:
                self.collector.add(
                    "strimzi/unknown-field",
                    f"unknown field {path}.{key} in a {self.what} "
                    f"(allowed: {', '.join(sorted(allowed))})",
                    key_where,
                )
                continue
            result[key] = (value, key_where)
        return result

    def scalar(self, node: yaml.Node, where: Location, path: str) -> Scalar | None:
        from kconnect.pyyaml import yaml

        if not isinstance(node, yaml.ScalarNode):
            self.collector.add("strimzi/type", f"{path} must be a single value", where)
            return None
        if not (node.tag.startswith(_STANDARD_TAG) or node.tag == "?"):
            self.collector.add(
                "strimzi/type", f"{path}: YAML tag {node.tag} is not supported", where
            )
            return None
        return resolve_scalar(node)

    def string(self, node: yaml.Node, where: Location, path: str) -> str | None:
        scalar = self.scalar(node, where, path)
        if scalar is None:
            return None
        if not isinstance(scalar.value, str):
            self.collector.add(
                "strimzi/type",
                f"{path} must be a string, not {scalar.type_name} "
                f"(YAML reads {scalar.text!r} unquoted as {scalar.type_name}; quote it)",
                where,
            )
            return None
        return scalar.value

    def integer(self, node: yaml.Node, where: Location, path: str, minimum: int) -> int | None:
        scalar = self.scalar(node, where, path)
        if scalar is None:
            return None
        value = scalar.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.collector.add(
                "strimzi/type", f"{path} must be an integer, not {scalar.type_name}", where
            )
            return None
        if value < minimum:
            self.collector.add("strimzi/type", f"{path} must be at least {minimum}", where)
            return None
        if value > _INT32_MAX:  # Strimzi's Integer fields
            self.collector.add("strimzi/type", f"{path} must be at most {_INT32_MAX}", where)
            return None
        return value

    def boolean(self, node: yaml.Node, where: Location, path: str) -> bool | None:
        scalar = self.scalar(node, where, path)
        if scalar is None:
            return None
        if not isinstance(scalar.value, bool):
            self.collector.add(
                "strimzi/type", f"{path} must be true or false, not {scalar.type_name}", where
            )
            return None
        return scalar.value

    def string_map(self, node: yaml.Node, where: Location, path: str) -> dict[str, str]:
        from kconnect.pyyaml import yaml

        if not isinstance(node, yaml.MappingNode):
            self.collector.add("strimzi/type", f"{path} must be a mapping", where)
            return {}
        result: dict[str, str] = {}
        for key, value, key_where in mapping_items(node, self.display, self.collector, path):
            text = self.string(value, key_where, f"{path}.{key}")
            if text is not None:
                result[key] = text
        return result


def _kafka_connector(
    fields: Mapping[str, tuple[yaml.Node, Location]],
    version: str,
    start: Location,
    *,
    display: str,
    env: Mapping[str, str],
    collector: Collector,
) -> Manifest | None:
    before = len(collector.errors)
    read = _Reader(display, collector, f"KafkaConnector ({GROUP}/{version})")
    for key, (_, where) in fields.items():
        if key not in _TOP_LEVEL:
            collector.add(
                "strimzi/unknown-field",
                f"unknown top-level field {key!r} in a KafkaConnector "
                f"(allowed: {', '.join(_TOP_LEVEL)})",
                where,
            )

    name, name_where, namespace, labels = _metadata(fields, start, read, env)
    if "spec" not in fields:
        collector.add("strimzi/spec", "a KafkaConnector needs a 'spec'", start)
        return None
    spec_node, spec_where = fields["spec"]
    spec = read.fields(
        spec_node, spec_where, "spec", _SPEC_FIELDS[version], _REMOVED_SPEC_FIELDS.get(version)
    )
    if spec is None:
        return None

    config: dict[str, str] = {}
    locations: dict[str, Location] = {}
    interpolated: set[str] = set()
    connector_class = None
    if "class" in spec:
        connector_class = read.string(*spec["class"], "spec.class")
        if connector_class is not None and (why := connector_class_problem(connector_class)):
            collector.add(
                "strimzi/class", why.replace("connector.class", "spec.class", 1), spec["class"][1]
            )
            connector_class = None
    else:
        collector.add("strimzi/class", "spec.class is required (the connector's class)", spec_where)

    config_where = spec_where
    if "config" in spec:
        from kconnect.catalogs import password_keys

        config_node, config_where = spec["config"]
        _config(
            config_node,
            config_where,
            read,
            env=env,
            password_keys=password_keys(connector_class or ""),
            config=config,
            locations=locations,
            interpolated=interpolated,
        )
    from_spec: dict[str, tuple[str, Location]] = {}
    if connector_class is not None:
        from_spec["connector.class"] = (connector_class, spec["class"][1])
    if "tasksMax" in spec:
        tasks = read.integer(*spec["tasksMax"], "spec.tasksMax", 1)
        if tasks is not None:
            from_spec["tasks.max"] = (str(tasks), spec["tasksMax"][1])
    if "version" in spec:
        plugin_version = read.string(*spec["version"], "spec.version")
        if plugin_version is not None:
            from_spec["connector.plugin.version"] = (plugin_version, spec["version"][1])
    if name is not None:
        from_spec["name"] = (name, fields["metadata"][1])
    _merge_spec_keys(config, locations, from_spec, collector)

    state = _state(spec, read)
    _report_operator_features(spec, name, read)
    if labels is not None and CLUSTER_LABEL not in labels and name is not None:
        collector.warn(
            "strimzi/cluster-label",
            f"KafkaConnector {name} has no {CLUSTER_LABEL} label: Strimzi creates it in no "
            "Connect cluster",
            fields["metadata"][1],
        )
    if name is None or len(collector.errors) > before:
        return None
    resource = f"KafkaConnector {namespace}/{name}" if namespace else f"KafkaConnector {name}"
    collector.declare(name, name_where, resource)
    if labels and CLUSTER_LABEL in labels:
        collector.strimzi_clusters.append((labels[CLUSTER_LABEL], fields["metadata"][1]))
    return Manifest(
        name=name,
        config=config,
        state=state,
        location=config_where,
        key_locations=locations,
        interpolated_keys=frozenset(interpolated),
    )


def _metadata(
    fields: Mapping[str, tuple[yaml.Node, Location]],
    start: Location,
    read: _Reader,
    env: Mapping[str, str],
) -> tuple[str | None, Location, str | None, dict[str, str] | None]:
    """name, where it is, namespace, and labels (None when the labels are invalid)."""
    collector = read.collector
    if "metadata" not in fields:
        collector.add("strimzi/name", "a KafkaConnector needs metadata.name", start)
        return None, start, None, {}
    where = fields["metadata"][1]
    metadata = read.fields(*fields["metadata"], "metadata", _METADATA)
    if metadata is None:
        return None, where, None, {}
    name = None
    name_where = metadata["name"][1] if "name" in metadata else where
    if "name" in metadata:
        raw = read.string(*metadata["name"], "metadata.name")
        name = _interpolated(raw, metadata["name"][1], env, collector, "metadata.name")
        if name is not None:
            why = _kubernetes_name_problem(name) or validate_connector_name(name)
            if why:
                collector.add("strimzi/name", why, metadata["name"][1])
                name = None
    elif "generateName" in metadata:
        collector.add(
            "strimzi/name",
            "metadata.generateName is not supported: the connector name is metadata.name, "
            "and a generated one would be a new connector on every apply",
            metadata["generateName"][1],
        )
    else:
        collector.add("strimzi/name", "a KafkaConnector needs metadata.name", where)
    namespace = None
    if "namespace" in metadata:
        namespace = read.string(*metadata["namespace"], "metadata.namespace")
        if namespace is not None and not (len(namespace) <= 63 and _DNS_LABEL.fullmatch(namespace)):
            collector.add(
                "strimzi/name",
                f"metadata.namespace {namespace!r} is not a valid Kubernetes namespace",
                metadata["namespace"][1],
            )
    labels: dict[str, str] | None = {}
    if "labels" in metadata:
        before = len(collector.errors)
        labels = read.string_map(*metadata["labels"], "metadata.labels")
        if CLUSTER_LABEL in labels and (why := cluster_label_problem(labels[CLUSTER_LABEL])):
            collector.add("strimzi/cluster-label", why, metadata["labels"][1])
        if len(collector.errors) > before:
            labels = None
    if "annotations" in metadata:
        annotations = read.string_map(*metadata["annotations"], "metadata.annotations")
        for annotation, equivalent in (
            ("strimzi.io/restart", "kconnect restart"),
            ("strimzi.io/restart-task", "kconnect restart --include-tasks"),
        ):
            if annotation in annotations and name:
                collector.note(
                    "strimzi/annotation",
                    f"annotation {annotation} asks the operator for a one-off restart; "
                    f"kconnect does that with `{equivalent} {name}`",
                    metadata["annotations"][1],
                )
    return name, name_where, namespace, labels


def _kubernetes_name_problem(name: str) -> str | None:
    if len(name) <= 253 and _DNS_SUBDOMAIN.fullmatch(name):
        return None
    return (
        f"metadata.name {name!r} is not a valid Kubernetes name (lower-case letters, digits, "
        "'-' and '.', at most 253); Strimzi uses it as the connector name"
    )


def _interpolated(
    text: str | None, where: Location, env: Mapping[str, str], collector: Collector, path: str
) -> str | None:
    if text is None:
        return None
    try:
        return interpolate(text, env).text
    except InterpolationError as exc:
        collector.add("manifest/interpolation", f"{path}: {exc.message}", where)
        return None


def _config(
    node: yaml.Node,
    where: Location,
    read: _Reader,
    *,
    env: Mapping[str, str],
    password_keys: frozenset[str],
    config: dict[str, str],
    locations: dict[str, Location],
    interpolated: set[str],
) -> None:
    from kconnect.pyyaml import yaml

    collector = read.collector
    if not isinstance(node, yaml.MappingNode):
        collector.add("strimzi/type", "spec.config must be a mapping of keys to values", where)
        return
    for key, value_node, key_where in mapping_items(node, read.display, collector, "spec.config"):
        path = f"spec.config.{key}"
        if not key:
            collector.add("manifest/key", "config keys must not be empty", key_where)
            continue
        if isinstance(value_node, yaml.SequenceNode):
            collector.add(
                "manifest/value",
                f"{path}: a list is sent to Connect as a JSON array, which it rejects; "
                "write one comma-separated string",
                key_where,
            )
            continue
        if isinstance(value_node, yaml.MappingNode):
            collector.add(
                "manifest/value",
                f"{path}: nested mappings are not allowed "
                "(Connect configs are flat key/value strings)",
                key_where,
            )
            continue
        scalar = read.scalar(value_node, key_where, path)
        if scalar is None:
            continue
        # A secret's value is never part of a message, not even a mistyped one.
        shown = "this value" if is_secret_key(key, password_keys) else scalar.text
        if scalar.value is None:
            collector.add(
                "manifest/value",
                f"{path}: null value (Connect rejects nulls; write '' for an empty string)",
                key_where,
            )
            continue
        if isinstance(scalar.value, str):
            try:
                result = interpolate(scalar.value, env)
            except InterpolationError as exc:
                collector.add("manifest/interpolation", f"{path}: {exc.message}", key_where)
                continue
            text: str = result.text
            if result.used_variables:
                interpolated.add(key)
        else:
            converted = connect_text(scalar)
            if converted is None:
                collector.add(
                    "strimzi/value",
                    f"{path}: {shown} is {scalar.type_name} that Connect would store in "
                    "Java's number format; quote it to say the exact text",
                    key_where,
                )
                continue
            text = converted
            if text != scalar.text:
                stores = "a different text" if shown != scalar.text else repr(text)
                collector.warn(
                    "strimzi/retyped",
                    f"{path}: YAML reads {shown} as {scalar.type_name}, so Connect "
                    f"stores {stores}; quote it to keep the text as written",
                    key_where,
                )
        config[key] = text
        locations[key] = key_where


def _merge_spec_keys(
    config: dict[str, str],
    locations: dict[str, Location],
    from_spec: Mapping[str, tuple[str, Location]],
    collector: Collector,
) -> None:
    """spec.class, spec.tasksMax, spec.version and metadata.name become the config keys
    Connect knows them by; the same key written in spec.config too must agree."""
    for key, field in _FROM_SPEC.items():
        if key in config:
            where = locations[key]
            if key in from_spec and config[key] != from_spec[key][0]:
                collector.add(
                    "strimzi/conflict",
                    f"spec.config.{key} {config[key]!r} disagrees with {field} "
                    f"{from_spec[key][0]!r} (Strimzi ignores spec.config.{key})",
                    where,
                )
            else:
                collector.warn(
                    "strimzi/forbidden-key",
                    f"spec.config.{key} is not to be set in a KafkaConnector; use {field}",
                    where,
                )
        if key in from_spec:
            config[key], locations[key] = from_spec[key]
    config.pop("name", None)
    locations.pop("name", None)


def _state(spec: Mapping[str, tuple[yaml.Node, Location]], read: _Reader) -> TargetState:
    state = TargetState.RUNNING
    if "state" in spec:
        raw = read.string(*spec["state"], "spec.state")
        if raw is not None:
            try:
                state = TargetState(raw)
            except ValueError:
                read.collector.add(
                    "strimzi/state",
                    f"spec.state must be running, paused or stopped, not {raw!r}",
                    spec["state"][1],
                )
    if "pause" in spec:
        pause = read.boolean(*spec["pause"], "spec.pause")
        where = spec["pause"][1]
        if pause is not None and "state" in spec:
            if pause != (state is TargetState.PAUSED):
                read.collector.add(
                    "strimzi/state",
                    f"spec.pause: {str(pause).lower()} contradicts spec.state: {state.value}",
                    where,
                )
        elif pause:
            state = TargetState.PAUSED
        read.collector.warn(
            "strimzi/deprecated",
            "spec.pause is deprecated since Strimzi 0.38 (and gone in v1); use spec.state",
            where,
        )
    return state


def _report_operator_features(
    spec: Mapping[str, tuple[yaml.Node, Location]], name: str | None, read: _Reader
) -> None:
    """Type-check what the operator does beyond Connect's config, and say what kconnect
    offers instead: kconnect applies configs and states, not these."""
    label = name or "<name>"
    if "autoRestart" in spec:
        auto = read.fields(*spec["autoRestart"], "spec.autoRestart", ("enabled", "maxRestarts"))
        if auto is not None:
            enabled = (
                read.boolean(*auto["enabled"], "spec.autoRestart.enabled")
                if "enabled" in auto
                else False
            )
            if "maxRestarts" in auto:
                # The CRD sets no minimum, so the API server takes a negative number; it is
                # no count of restarts, though, and "unlimited" is what omitting it means.
                most = read.integer(
                    *auto["maxRestarts"], "spec.autoRestart.maxRestarts", -_INT32_MAX - 1
                )
                if most is not None and most < 0:
                    read.collector.warn(
                        "strimzi/auto-restart",
                        f"spec.autoRestart.maxRestarts is {most}: a maximum number of "
                        "restarts cannot be negative; omit maxRestarts to restart without "
                        "limit (Strimzi's default)",
                        auto["maxRestarts"][1],
                    )
            if enabled:
                read.collector.note(
                    "strimzi/auto-restart",
                    "spec.autoRestart is done by the Strimzi operator; with kconnect, "
                    "`kconnect reconcile --auto-restart` restarts FAILED connectors and tasks",
                    spec["autoRestart"][1],
                )
    for field, inner, equivalent in (
        ("listOffsets", "toConfigMap", f"kconnect offsets get {label}"),
        ("alterOffsets", "fromConfigMap", f"kconnect offsets set {label} --file FILE"),
    ):
        if field not in spec:
            continue
        offsets = read.fields(*spec[field], f"spec.{field}", (inner,))
        if offsets is None:
            continue
        if inner not in offsets:
            read.collector.add("strimzi/type", f"spec.{field} needs {inner}", spec[field][1])
            continue
        ref = read.fields(*offsets[inner], f"spec.{field}.{inner}", ("name",))
        if ref is not None and "name" in ref:
            read.string(*ref["name"], f"spec.{field}.{inner}.name")
        read.collector.note(
            "strimzi/offsets",
            f"spec.{field} is done by the Strimzi operator through a ConfigMap; "
            f"kconnect reads and changes offsets with `{equivalent}`",
            spec[field][1],
        )


def check_clusters(collector: Collector) -> None:
    """KafkaConnectors for several Connect clusters cannot be planned against one worker."""
    first: dict[str, Location] = {}
    for cluster, where in collector.strimzi_clusters:
        first.setdefault(cluster, where)
    if len(first) > 1:
        named = ", ".join(f"{c} ({w})" for c, w in sorted(first.items()))
        for _cluster, where in sorted(first.items())[1:]:
            collector.add(
                "strimzi/clusters",
                f"these KafkaConnectors belong to {len(first)} Connect clusters ({named}); "
                f"kconnect checks one cluster's connectors at a time",
                where,
            )


# -- writing -------------------------------------------------------------------------------------


def resource_document(
    name: str,
    config: Mapping[str, str],
    state: str | None,
    *,
    cluster: str,
    api_version: str = DEFAULT_API_VERSION,
) -> dict[str, Any]:
    """A live connector's config (secrets already replaced) as a KafkaConnector document."""
    rest = {k: v for k, v in config.items() if k not in _FROM_SPEC}
    spec: dict[str, Any] = {}
    if "connector.class" in config:
        spec["class"] = config["connector.class"]
    tasks = config.get("tasks.max")
    if tasks is not None:
        if tasks.isdigit() and str(int(tasks)) == tasks and int(tasks) >= 1:
            spec["tasksMax"] = int(tasks)
        else:
            rest["tasks.max"] = tasks  # not an integer Strimzi could say: keep it as written
    if "connector.plugin.version" in config:
        spec["version"] = config["connector.plugin.version"]
    if state:
        spec["state"] = state
    spec["config"] = {k: rest[k] for k in sorted(rest)}
    return {
        "apiVersion": api_version,
        "kind": KIND,
        "metadata": {"name": name, "labels": {CLUSTER_LABEL: cluster}},
        "spec": spec,
    }


def dump_resource(document: Mapping[str, Any]) -> str:
    """YAML that kubectl and kconnect both read back as exactly these strings: a value that a
    plain scalar would turn into something else (`on`, `y`, `0o17`, `1.50`) is quoted."""
    from kconnect.pyyaml import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
        if data and not isinstance(_go_plain_value(data), str):
            return dumper.represent_scalar(_STR_TAG, data, style="'")
        return dumper.represent_str(data)

    _Dumper.add_representer(str, represent_str)
    return yaml.dump(
        dict(document),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=2**20,
    )


def read_back(text: str) -> Any:
    """`text` as kubectl reads it (go-yaml's rules), to check what `dump_resource` wrote."""
    from kconnect.pyyaml import yaml

    def value(node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return {value(k): value(v) for k, v in node.value}
        if isinstance(node, yaml.SequenceNode):
            return [value(item) for item in node.value]
        assert isinstance(node, yaml.ScalarNode)
        return resolve_scalar(node).value

    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return None if root is None else value(root)


def cluster_label_problem(cluster: str) -> str | None:
    """Why `cluster` cannot be the value of the strimzi.io/cluster label, or None."""
    if len(cluster) <= 63 and _LABEL_VALUE.fullmatch(cluster):
        return None
    return (
        f"{cluster!r} is not a valid {CLUSTER_LABEL} label value (letters, digits, '-', '_' "
        "and '.', starting and ending with a letter or digit, at most 63)"
    )


def valid_resource_name(name: str) -> str | None:
    """Why a live connector cannot be written as a KafkaConnector, or None."""
    return _kubernetes_name_problem(name)
