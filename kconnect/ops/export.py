"""Exporting live connectors as manifests (kconnect's own, or Strimzi `KafkaConnector`
resources), with secrets replaced by `${VAR}`."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kconnect.errors import ConnectError, InputError, KconnectError, NotFoundError
from kconnect.manifests.model import NO_KEY_RULES, KeyRules
from kconnect.records import record

if TYPE_CHECKING:
    from kconnect.api.client import ConnectClient

log = logging.getLogger("kconnect.ops")


_STATE_KEYS = {"PAUSED": "paused", "STOPPED": "stopped"}


@record
class StrimziTarget:
    """`export --format strimzi`: the KafkaConnect cluster label, and the API version."""

    cluster: str
    api_version: str


@record
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


@record
class ExportResult:
    directory: Path | None  # None: one YAML stream on stdout (`--dir -`)
    connectors: tuple[ExportedConnector, ...]
    written: bool = True
    refused: tuple[tuple[str, str], ...] = ()  # (name, why) not exported

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(v for c in self.connectors for v in c.variables)

    @property
    def ok(self) -> bool:
        return not self.refused

    def to_dict(self) -> dict[str, Any]:
        where = self.directory if self.directory is not None else Path("-")
        return {
            "directory": str(where),
            "connectors": [c.to_dict(where) for c in self.connectors],
            "variables": list(self.variables),
            "refused": [{"name": n, "error": why} for n, why in self.refused],
        }


def export_connectors(
    client: ConnectClient,
    names: Sequence[str] = (),
    *,
    live: Mapping[str, Mapping[str, Any]] | None = None,
    strimzi: StrimziTarget | None = None,
    refused: list[tuple[str, str]] | None = None,
    key_rules: KeyRules = NO_KEY_RULES,
) -> list[ExportedConnector]:
    """Read live connectors (one request unless `live` is given, plus one per connector class
    for its PASSWORD keys) and render each as a manifest with secrets replaced by `${VAR}`
    (as a Strimzi KafkaConnector resource with `strimzi`); kconnect.yaml's `sensitive_keys`
    (`key_rules`) are secrets too. A connector whose name cannot be a Kubernetes resource name
    is an error, or, given a `refused` list, appended to it as (name, why) while the others
    are exported."""
    from kconnect.api.live import comparable_config, live_config, live_state

    if live is None:
        live = client.list_expanded()
    wanted = list(dict.fromkeys(names)) or sorted(live)
    missing = [n for n in wanted if n not in live]
    if missing:
        raise NotFoundError(
            404, f"Connector {missing[0]} not found", method="GET", path="/connectors"
        )
    if strimzi is not None:
        invalid = _invalid_resource_names(wanted)
        if refused is None:
            _check_resource_names(invalid)
        else:
            refused.extend(invalid)
            wanted = [n for n in wanted if n not in dict(invalid)]
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
        keys |= key_rules.sensitive_for(name)
        if strimzi is None:
            text, variables = render_manifest(name, config, state, keys, used_vars)
        else:
            text, variables = render_strimzi(
                name, config, state, strimzi, extra_password_keys=keys, used_variables=used_vars
            )
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
    from kconnect.pyyaml import yaml

    written, variables = _with_placeholders(name, config, extra_password_keys, used_variables)
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


def _with_placeholders(
    name: str,
    config: Mapping[str, str],
    extra_password_keys: Collection[str] = (),
    used_variables: set[str] | None = None,
) -> tuple[dict[str, str], tuple[str, ...]]:
    """`config` as the loader must read it (escaped `${`), secrets replaced by `${VAR}`."""
    from kconnect.manifests.model import password_keys_for
    from kconnect.output.redaction import is_config_reference, is_secret_key, url_password_spans

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
        elif spans := url_password_spans(value):
            # `jdbc:mysql://user:PASSWORD@host/db`: the URL stays, its password becomes a
            # variable like any other secret.
            pieces, at = [], 0
            for start, end in spans:
                variable = _unique(env_variable_name(name, key) + "_PASSWORD", used, "_")
                variables.append(variable)
                pieces += [escape_value(value[at:start]), "${" + variable + "}"]
                at = end
            written[key] = "".join(pieces) + escape_value(value[at:])
        else:
            written[key] = escape_value(value)
    return written, tuple(variables)


def render_strimzi(
    name: str,
    config: Mapping[str, str],
    state: str | None,
    target: StrimziTarget,
    *,
    extra_password_keys: Collection[str] = (),
    used_variables: set[str] | None = None,
) -> tuple[str, tuple[str, ...]]:
    """One connector as a Strimzi KafkaConnector resource, and the `${VAR}` names it uses.

    Secrets become `${VAR}` placeholders as in `render_manifest` (kconnect resolves them from
    the environment, as Flux's post-build substitution does; or write a
    `${secrets:namespace/secret:key}` reference in their place). ConfigProvider references
    stay as written."""
    from kconnect.manifests.strimzi import dump_resource, read_back, resource_document

    written, variables = _with_placeholders(name, config, extra_password_keys, used_variables)
    document = resource_document(
        name, written, state, cluster=target.cluster, api_version=target.api_version
    )
    body = dump_resource(document)
    if read_back(body) != document:
        raise KconnectError("internal error: export produced YAML that does not read back exactly")
    header = "# Exported by `kconnect export --format strimzi`.\n"
    if variables:
        header += (
            "# Set before plan/apply: " + ", ".join(variables) + "\n"
            "# (or replace each with a ${secrets:<namespace>/<secret>:<key>} reference)\n"
        )
    return header + body, variables


def _invalid_resource_names(names: Sequence[str]) -> list[tuple[str, str]]:
    from kconnect.manifests.strimzi import valid_resource_name

    return [(name, why) for name in names if (why := valid_resource_name(name))]


def _check_resource_names(invalid: Sequence[tuple[str, str]]) -> None:
    if invalid:
        raise KconnectError(
            "cannot export as KafkaConnector resources: "
            + "; ".join(why for _, why in invalid)
            + " (export the others by name, or use --format kconnect)"
        )


def export_stream(connectors: Sequence[ExportedConnector]) -> str:
    """Every exported document as one YAML stream (`export --dir -`)."""
    return "---\n".join(c.text for c in connectors)


def escape_value(value: str) -> str:
    """The text that `${VAR}` interpolation turns back into `value` (`$${` → `${`)."""
    from kconnect.manifests.interpolate import InterpolationError, interpolate

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
    from kconnect.pyyaml import yaml

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
    from kconnect.output.console import write_file

    existing = [c.filename for c in connectors if (directory / c.filename).exists()]
    if existing and not force:
        raise InputError(
            f"{directory}: {', '.join(existing)} already exist(s); use --force to overwrite"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for connector in connectors:
            write_file(directory / connector.filename, connector.text)
    except OSError as exc:
        raise KconnectError(f"{directory}: cannot write the export: {exc.strerror}") from None
    return ExportResult(directory, tuple(connectors))
