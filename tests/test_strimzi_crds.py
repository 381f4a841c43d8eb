"""Strimzi resources against Strimzi's own CRDs (copies under tests/strimzi_crds/, see its
README): the fields kconnect reads per API version are the CRD's, `examples/strimzi/` and every
`export --format strimzi` pass the schema of the version they name, and kconnect's verdict on a
resource agrees with what the API server's validation (strict field validation) would say."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from kconnect.errors import ManifestError
from kconnect.manifests import strimzi
from kconnect.manifests.loader import load_manifests
from tests.conftest import CliRunner, write_manifest
from tests.fakeconnect import FakeConnect

CRDS = Path(__file__).parent / "strimzi_crds"
EXAMPLES = Path(__file__).parent.parent / "examples" / "strimzi"
SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"

# (CRD copy, version) pairs: the Strimzi releases kconnect's output and examples must satisfy.
STRIMZI_1X = ("kafkaconnector-0.49.yaml", "v1")  # v1 as introduced in 0.49 and served by 1.x
STRIMZI_049_V1BETA2 = ("kafkaconnector-0.49.yaml", "v1beta2")
STRIMZI_04X = ("kafkaconnector-0.4x.yaml", "v1beta2")
CONNECT_1X = ("kafkaconnect-1.x.yaml", "v1")  # the KafkaConnect of the 1.x line: v1 only
# The CRD each kind of examples/strimzi/ is checked against.
EXAMPLE_CRDS = {"KafkaConnector": STRIMZI_1X, "KafkaConnect": CONNECT_1X}


@cache
def _crd_schema(filename: str, version: str) -> dict[str, Any]:
    import yaml

    crd = yaml.safe_load((CRDS / filename).read_text())
    (entry,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    assert entry["served"] is True
    return _strict(entry["schema"]["openAPIV3Schema"])


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """The structural schema as `kubectl apply` enforces it with strict field validation: a
    field the schema does not declare is an error, except under
    x-kubernetes-preserve-unknown-fields (spec.config) and in ObjectMeta (checked by the API
    server itself)."""
    result = dict(schema)
    if "properties" in schema:
        result["properties"] = {
            name: (sub if name == "metadata" else _strict(sub))
            for name, sub in schema["properties"].items()
        }
        if not schema.get("x-kubernetes-preserve-unknown-fields"):
            result["additionalProperties"] = False
    if "items" in schema:
        result["items"] = _strict(schema["items"])
    return result


def _crd_errors(document: Any, crd: tuple[str, str]) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft7Validator(_crd_schema(*crd))
    return sorted(
        f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(document)
    )


def _documents(path: Path) -> list[Any]:
    """The documents of a YAML file as kubectl sends them (go-yaml's scalar rules)."""
    return [
        strimzi.read_back(chunk)
        for chunk in path.read_text().split("\n---\n")
        if strimzi.read_back(chunk) is not None
    ]


# -- kconnect's field lists are the CRDs' ---------------------------------------------------------


@pytest.mark.parametrize("crd", [STRIMZI_1X, STRIMZI_049_V1BETA2])
def test_spec_fields_per_version_are_the_crds(crd: tuple[str, str]) -> None:
    spec = _crd_schema(*crd)["properties"]["spec"]["properties"]
    assert sorted(strimzi._SPEC_FIELDS[crd[1]]) == sorted(spec)


def test_older_v1beta2_fields_are_a_subset_and_v1_dropped_only_pause() -> None:
    older = set(_crd_schema(*STRIMZI_04X)["properties"]["spec"]["properties"])
    assert older <= set(strimzi._SPEC_FIELDS["v1beta2"])
    assert set(strimzi._SPEC_FIELDS["v1beta2"]) - set(strimzi._SPEC_FIELDS["v1"]) == {"pause"}
    assert set(strimzi._REMOVED_SPEC_FIELDS["v1"]) == {"pause"}


def test_the_default_api_version_is_the_one_strimzi_1x_serves() -> None:
    import yaml

    crd = yaml.safe_load((CRDS / STRIMZI_1X[0]).read_text())
    storage = [v["name"] for v in crd["spec"]["versions"] if v.get("storage")]
    deprecated = [v["name"] for v in crd["spec"]["versions"] if v.get("deprecated")]
    assert f"{crd['spec']['group']}/{storage[0]}" == strimzi.DEFAULT_API_VERSION
    assert deprecated == ["v1beta2"]


# -- examples --------------------------------------------------------------------------------------


def test_examples_are_all_v1_and_valid_against_the_crds() -> None:
    kinds: dict[str, list[str]] = {}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for document in _documents(path):
            assert document["apiVersion"] == "kafka.strimzi.io/v1", path
            kinds.setdefault(document["kind"], []).append(path.name)
            assert _crd_errors(document, EXAMPLE_CRDS[document["kind"]]) == [], path
    assert kinds == {
        "KafkaConnect": ["kafka-connect.yaml"],
        "KafkaConnector": ["elasticsearch-sink.yaml", "mydb-connector.yaml"],
    }


def _example_kafka_connect() -> dict[str, Any]:
    (document,) = _documents(EXAMPLES / "kafka-connect.yaml")
    assert isinstance(document, dict)
    return document


def test_the_kafka_connect_crd_is_v1_only_and_requires_what_1x_requires() -> None:
    """The copy is the 1.x CRD (v1beta2 removed), and its v1 schema is what makes the check of
    the example mean something: spec, replicas and the group/topic fields are required."""
    import yaml

    crd = yaml.safe_load((CRDS / CONNECT_1X[0]).read_text())
    assert crd["spec"]["names"]["kind"] == "KafkaConnect"
    assert [(v["name"], v["served"], v["storage"]) for v in crd["spec"]["versions"]] == [
        ("v1", True, True)
    ]
    schema = _crd_schema(*CONNECT_1X)
    assert schema["required"] == ["spec"]
    assert sorted(schema["properties"]["spec"]["required"]) == sorted(
        [
            "replicas",
            "bootstrapServers",
            "groupId",
            "configStorageTopic",
            "statusStorageTopic",
            "offsetStorageTopic",
        ]
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (("drop", "groupId"), "spec: 'groupId' is a required property"),
        (("drop", "replicas"), "spec: 'replicas' is a required property"),
        (("set", "replicas", "2"), "spec.replicas: '2' is not of type 'integer'"),
        (
            ("set", "externalConfiguration", {}),
            "spec: Additional properties are not allowed ('externalConfiguration' was unexpected)",
        ),
        (("set", "configStorageTopic", 7), "spec.configStorageTopic: 7 is not of type 'string'"),
    ],
)
def test_the_kafka_connect_check_fails_for_what_1x_refuses(
    change: tuple[Any, ...], error: str
) -> None:
    """The example check is not vacuous: the example with a required field dropped, a field
    of the wrong type, or a field v1 removed (externalConfiguration) fails the CRD."""
    document = _example_kafka_connect()
    spec = dict(document["spec"])
    if change[0] == "drop":
        del spec[change[1]]
    else:
        spec[change[1]] = change[2]
    assert _crd_errors({**document, "spec": spec}, CONNECT_1X) == [error]


def _forbidden_connect_config(crd: tuple[str, str]) -> tuple[list[str], list[str]]:
    """The spec.config prefixes the operator refuses and their exceptions, as the CRD's own
    description of spec.config lists them (the schema cannot say it: config is free-form)."""
    description = _crd_schema(*crd)["properties"]["spec"]["properties"]["config"]["description"]
    found = re.fullmatch(
        r"The Kafka Connect configuration\. Properties with the following prefixes cannot be "
        r"set: (.*)\. \(with the exception of: (.*)\)\.",
        description,
    )
    assert found is not None, description
    forbidden, allowed = (part.split(", ") for part in found.groups())
    return forbidden, allowed


def test_example_kafka_connect_config_sets_nothing_1x_forbids() -> None:
    """In v1 the group id and storage topics are spec fields; setting them (or TLS, SASL,
    bootstrap.servers) in spec.config makes the operator refuse the resource."""
    forbidden, allowed = _forbidden_connect_config(CONNECT_1X)
    assert {"group.id", "config.storage.topic", "offset.storage.topic"} <= set(forbidden)
    config = _example_kafka_connect()["spec"]["config"]
    refused = [
        key
        for key in config
        if key not in allowed and any(key.startswith(prefix) for prefix in forbidden)
    ]
    assert refused == []


def test_example_kafka_connect_serves_the_example_connectors() -> None:
    """The connectors' cluster label names it, and it lets Strimzi manage KafkaConnector
    resources."""
    document = _example_kafka_connect()
    assert document["metadata"]["annotations"]["strimzi.io/use-connector-resources"] == "true"
    labels = {
        d["metadata"]["labels"]["strimzi.io/cluster"]
        for path in EXAMPLES.glob("*.yaml")
        for d in _documents(path)
        if d["kind"] == "KafkaConnector"
    }
    assert labels == {document["metadata"]["name"]}


def test_examples_validate_without_warnings(cli: CliRunner) -> None:
    result = cli("validate", str(EXAMPLES), env={"MYSQL_DEBEZIUM_PASSWORD": "unused"})
    assert result.exit_code == 0, result.output
    assert "deprecated" not in result.stdout
    assert result.stdout.splitlines()[-1].endswith("0 error(s), 0 warning(s), 1 note(s)")


# -- every export ----------------------------------------------------------------------------------


def _fill(fake: FakeConnect) -> int:
    """Connectors covering what export writes differently: states, a non-integer tasks.max,
    a plugin version, secrets, YAML look-alikes."""
    base = {"connector.class": SOURCE, "topic": "t", "file": "/tmp/in.txt"}
    cases: list[tuple[str, dict[str, str], str]] = [
        ("plain", {**base, "tasks.max": "1"}, "RUNNING"),
        ("paused-one", {**base, "tasks.max": "3"}, "PAUSED"),
        ("stopped-one", dict(base), "STOPPED"),
        ("odd-tasks", {**base, "tasks.max": "${file:/etc/t.properties:max}"}, "RUNNING"),
        ("versioned", {**base, "connector.plugin.version": "4.1.0"}, "RUNNING"),
        ("looks-typed", {**base, "x.on": "on", "x.num": "0755", "x.f": "1.50"}, "RUNNING"),
        ("with-secret", {**base, "sasl.jaas.config": "pw=hunter2", "x.password": "p"}, "RUNNING"),
        ("a.dotted.name", dict(base), "RUNNING"),
    ]
    for name, config, state in cases:
        fake.add_connector(name, config, state=state)
    return len(cases)


@pytest.mark.parametrize(
    ("flags", "crds"),
    [
        ((), [STRIMZI_1X]),
        (("--api-version", "kafka.strimzi.io/v1"), [STRIMZI_1X]),
        (("--api-version", "kafka.strimzi.io/v1beta2"), [STRIMZI_049_V1BETA2]),
    ],
)
def test_every_export_passes_the_crd_of_its_version(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, flags: tuple[str, ...], crds: list[Any]
) -> None:
    count = _fill(fake)
    out = tmp_path / "out"
    env = {"KCONNECT_URL": fake.url}
    result = cli(
        "export", "--format", "strimzi", "--cluster", "c1", "-d", str(out), *flags, env=env
    )
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.yaml"))
    assert len(files) == count
    version = flags[1].rpartition("/")[2] if flags else "v1"
    for path in files:
        (document,) = _documents(path)
        assert document["apiVersion"] == f"kafka.strimzi.io/{version}"
        for crd in crds:
            assert _crd_errors(document, crd) == [], path


def test_default_export_fails_the_crd_of_strimzi_04x_only_for_its_version(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """The v1beta2 export of a connector without a plugin version also passes the 0.4x CRD:
    `--api-version kafka.strimzi.io/v1beta2` is the way to target a Strimzi before 0.49."""
    fake.add_connector("plain", {"connector.class": SOURCE, "topic": "t", "tasks.max": "1"})
    out = tmp_path / "out"
    env = {"KCONNECT_URL": fake.url}
    flags = ("--api-version", "kafka.strimzi.io/v1beta2")
    result = cli(
        "export", "--format", "strimzi", "--cluster", "c1", "-d", str(out), *flags, env=env
    )
    assert result.exit_code == 0, result.output
    (document,) = _documents(out / "plain.yaml")
    assert _crd_errors(document, STRIMZI_04X) == []


# -- kconnect's verdict agrees with the CRD of the version a resource names -------------------------


def _resource(api: str, spec_extra: str = "", *, spec: bool = True) -> str:
    text = (
        f"apiVersion: kafka.strimzi.io/{api}\n"
        "kind: KafkaConnector\n"
        "metadata:\n"
        "  name: src\n"
        "  labels:\n"
        "    strimzi.io/cluster: c1\n"
    )
    if spec:
        text += f"spec:\n  class: {SOURCE}\n  tasksMax: 1\n{spec_extra}  config:\n    topic: t\n"
    return text


CASES = {
    "plain": "",
    "pause": "  pause: true\n",
    "state paused": "  state: paused\n",
    "state bogus": "  state: sleeping\n",
    "tasksMax zero": "  tasksMax: 0\n",
    "unknown field": "  tasks: 2\n",
    "autoRestart": "  autoRestart:\n    enabled: true\n    maxRestarts: 3\n",
    "autoRestart typo": "  autoRestart:\n    enable: true\n",
    "listOffsets": "  listOffsets:\n    toConfigMap:\n      name: offsets\n",
    "listOffsets empty": "  listOffsets: {}\n",
    "version": "  version: 4.1.0\n",
    "version a number": "  version: 4\n",
    "state upper case": "  state: PAUSED\n",
    "tasksMax quoted": "  tasksMax: '2'\n",
    "tasksMax float": "  tasksMax: 2.0\n",
    "autoRestart negative": "  autoRestart:\n    maxRestarts: -1\n",
    "autoRestart enabled yes": "  autoRestart:\n    enabled: yes\n",
    "autoRestart enabled quoted": "  autoRestart:\n    enabled: 'true'\n",
    "alterOffsets": "  alterOffsets:\n    fromConfigMap:\n      name: offsets\n",
    "alterOffsets empty": "  alterOffsets: {}\n",
    "listOffsets no name": "  listOffsets:\n    toConfigMap: {}\n",
    "listOffsets typo": "  listOffsets:\n    toConfigMap:\n      nam: offsets\n",
    "state null": "  state:\n",
    "class a list": "  class: [a]\n",
}


@pytest.mark.parametrize("crd", [STRIMZI_1X, STRIMZI_049_V1BETA2])
@pytest.mark.parametrize("case", sorted(CASES))
def test_kconnect_rejects_exactly_what_the_crd_rejects(
    tmp_path: Path, crd: tuple[str, str], case: str
) -> None:
    text = _resource(crd[1], CASES[case])
    for base in ("  tasksMax: 1\n", f"  class: {SOURCE}\n"):
        if base.split(":")[0] + ":" in CASES[case]:  # the case replaces the base line
            text = text.replace(base, "")
    crd_ok = _crd_errors(strimzi.read_back(text), crd) == []
    path = write_manifest(tmp_path, "m.yaml", text)
    try:
        load_manifests([str(tmp_path)], {})
        kconnect_ok = True
    except ManifestError as refused:
        kconnect_ok = False
        # Each error names the file and the line it is about.
        errors = [str(problem) for problem in refused.problems if problem.is_error]
        assert errors and all(re.match(rf"{re.escape(str(path))}:\d+: ", e) for e in errors)
    assert kconnect_ok == crd_ok, (case, crd)


def test_a_negative_max_restarts_passes_the_crd_and_is_a_warning(
    cli: CliRunner, tmp_path: Path
) -> None:
    """The CRD sets no minimum on maxRestarts, so the API server takes -1; a maximum number of
    restarts cannot be negative, though, and "no limit" is what leaving it out means."""
    text = _resource("v1", "  autoRestart:\n    enabled: true\n    maxRestarts: -1\n")
    assert _crd_errors(strimzi.read_back(text), STRIMZI_1X) == []
    path = write_manifest(tmp_path, "m.yaml", text)
    result = cli("validate", str(path))
    assert result.exit_code == 0, result.output
    assert (
        f"{path}:12: warning: spec.autoRestart.maxRestarts is -1: a maximum number of restarts "
        "cannot be negative; omit maxRestarts to restart without limit (Strimzi's default) "
        "[strimzi/auto-restart]"
    ) in result.stdout.splitlines()
    assert cli("validate", "--strict", str(path)).exit_code != 0


def test_a_resource_without_spec_fails_both(tmp_path: Path) -> None:
    text = _resource("v1", spec=False)
    assert _crd_errors(strimzi.read_back(text), STRIMZI_1X) == [
        "<root>: 'spec' is a required property"
    ]
    write_manifest(tmp_path, "m.yaml", text)
    with pytest.raises(ManifestError):
        load_manifests([str(tmp_path)], {})


# -- what validate says -----------------------------------------------------------------------------


def test_validate_warns_on_v1beta2_and_names_the_replacement(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = write_manifest(tmp_path, "m.yaml", _resource("v1beta2"))
    result = cli("validate", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{path}:1: warning: kafka.strimzi.io/v1beta2 is deprecated since Strimzi 0.49 and no "
        "longer served from 1.0: use kafka.strimzi.io/v1 (spec.pause becomes spec.state) "
        "[strimzi/deprecated-api]",
        "1 connector(s) checked: 0 error(s), 1 warning(s)",
    ]
    strict = cli("validate", "--strict", str(path))
    assert strict.exit_code != 0


def test_pause_in_v1_is_an_error_that_says_what_replaces_it(cli: CliRunner, tmp_path: Path) -> None:
    path = write_manifest(tmp_path, "m.yaml", _resource("v1", "  pause: true\n"))
    result = cli("validate", str(path))
    assert result.exit_code == 1, result.output
    assert (
        f"{path}:10: error: spec.pause is not in kafka.strimzi.io/v1 (removed in 1.0); use "
        "spec.state: paused [strimzi/removed-field]"
    ) in result.stdout.splitlines()
