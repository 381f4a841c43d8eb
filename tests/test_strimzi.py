"""Strimzi KafkaConnector resources: read as manifests (validate, plan, apply), and written by
`export --format strimzi`. Values are checked as Connect will store them after kubectl and the
operator have carried them, and every bad resource is an error at its file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kconnect.errors import ManifestError
from kconnect.manifests.loader import load_manifests
from kconnect.manifests.model import TargetState
from tests.conftest import MYSQL_LIVE_WITH_CANARY, CliRunner, write_manifest
from tests.fakeconnect import FakeConnect

EXAMPLES = Path(__file__).parent.parent / "examples" / "strimzi"
BUNDLED = Path(__file__).parent.parent / "connectors.d"
SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def connector(
    name: str = "src",
    *,
    api: str = "v1",
    cluster: str | None = "my-connect",
    spec: str = "",
    config: str = "    topic: t\n    file: /tmp/src.txt\n",
    metadata: str = "",
) -> str:
    labels = f"  labels:\n    strimzi.io/cluster: {cluster}\n" if cluster else ""
    return (
        f"apiVersion: kafka.strimzi.io/{api}\n"
        "kind: KafkaConnector\n"
        "metadata:\n"
        f"  name: {name}\n"
        f"{labels}{metadata}"
        "spec:\n"
        f"  class: {SOURCE}\n"
        "  tasksMax: 1\n"
        f"{spec}"
        "  config:\n"
        f"{config}"
    )


def _problems(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    write_manifest(tmp_path, "m.yaml", text)
    with pytest.raises(ManifestError) as raised:
        load_manifests([str(tmp_path)], env or {})
    return [
        f"{p.location.line if p.location else '-'}: {p.severity.value}: {p.message}"
        for p in raised.value.problems
    ]


def _validate(cli: CliRunner, tmp_path: Path, text: str) -> tuple[int, list[str]]:
    path = write_manifest(tmp_path, "m.yaml", text)
    result = cli("validate", str(path))
    prefix = f"{path}:"
    lines = [line.removeprefix(prefix) for line in result.stdout.splitlines()]
    return result.exit_code, lines


# -- mapping ---------------------------------------------------------------------------------------


def test_a_kafka_connector_becomes_a_manifest(tmp_path: Path) -> None:
    write_manifest(
        tmp_path,
        "m.yaml",
        connector(spec="  state: stopped\n  version: 3.9.0\n"),
    )
    [manifest] = load_manifests([str(tmp_path)], {})
    assert manifest.name == "src"
    assert dict(manifest.config) == {
        "connector.class": SOURCE,
        "tasks.max": "1",
        "connector.plugin.version": "3.9.0",
        "topic": "t",
        "file": "/tmp/src.txt",
    }
    assert manifest.state is TargetState.STOPPED
    # Errors about connector.class point at spec.class, config keys at their own lines.
    assert manifest.location_of("connector.class").line == 8
    assert manifest.location_of("tasks.max").line == 9
    assert manifest.location_of("file").line == 14


@pytest.mark.parametrize("api", ["v1beta2", "v1"])
def test_both_served_api_versions_load(tmp_path: Path, api: str) -> None:
    write_manifest(tmp_path, "m.yaml", connector(api=api))
    [manifest] = load_manifests([str(tmp_path)], {})
    assert manifest.connector_class == SOURCE


def test_values_are_what_connect_will_store_and_retyping_is_a_warning(
    cli: CliRunner, tmp_path: Path
) -> None:
    config = (
        "    topic: t\n"
        "    file: /tmp/src.txt\n"
        "    a.octal: 0755\n"
        "    b.on: on\n"
        "    c.y: y\n"
        "    d.price: 1.50\n"
        "    e.sci: 1e3\n"
        "    f.true: true\n"
        "    g.int: 3306\n"
        "    h.time: 1:30\n"
        "    i.date: 2001-12-14\n"
        "    j.quoted: '0755'\n"
        "    k.hex: 0x1F\n"
    )
    write_manifest(tmp_path, "m.yaml", connector(config=config))
    [manifest] = load_manifests([str(tmp_path)], {})
    assert {k: v for k, v in manifest.config.items() if k[1] == "."} == {
        "a.octal": "493",
        "b.on": "true",
        "c.y": "true",
        "d.price": "1.5",
        "e.sci": "1000",
        "f.true": "true",
        "g.int": "3306",
        "h.time": "1:30",
        "i.date": "2001-12-14",
        "j.quoted": "0755",
        "k.hex": "31",
    }
    code, lines = _validate(cli, tmp_path, connector(config=config))
    assert code == 0
    retyped = [line for line in lines if "strimzi/retyped" in line]
    assert retyped == [
        "13: warning: spec.config.a.octal: YAML reads 0755 as an integer, so Connect stores "
        "'493'; quote it to keep the text as written [strimzi/retyped]",
        "14: warning: spec.config.b.on: YAML reads on as a boolean, so Connect stores 'true'; "
        "quote it to keep the text as written [strimzi/retyped]",
        "15: warning: spec.config.c.y: YAML reads y as a boolean, so Connect stores 'true'; "
        "quote it to keep the text as written [strimzi/retyped]",
        "16: warning: spec.config.d.price: YAML reads 1.50 as a number, so Connect stores "
        "'1.5'; quote it to keep the text as written [strimzi/retyped]",
        "17: warning: spec.config.e.sci: YAML reads 1e3 as a number, so Connect stores "
        "'1000'; quote it to keep the text as written [strimzi/retyped]",
        "23: warning: spec.config.k.hex: YAML reads 0x1F as an integer, so Connect stores "
        "'31'; quote it to keep the text as written [strimzi/retyped]",
    ]


def test_other_documents_are_skipped_with_a_note(cli: CliRunner, tmp_path: Path) -> None:
    text = (
        "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaConnect\nmetadata:\n  name: my-connect\n"
        "spec:\n  replicas: 1\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: offsets\ndata:\n  a: b\n---\n"
        "apiVersion: example.com/v1\nkind: KafkaConnector\nmetadata:\n  name: other\n---\n"
        + connector()
    )
    code, lines = _validate(cli, tmp_path, text)
    assert code == 0, lines
    assert lines == [
        "1: note: skipped KafkaConnect my-connect (kafka.strimzi.io/v1beta2): not a "
        "KafkaConnector [strimzi/skipped]",
        "8: note: skipped ConfigMap offsets (v1): not a KafkaConnector [strimzi/skipped]",
        "15: note: skipped KafkaConnector other (example.com/v1): not a KafkaConnector "
        "[strimzi/skipped]",
        "1 connector(s) checked: 0 error(s), 0 warning(s), 3 note(s)",
    ]


def test_a_file_may_mix_kconnect_manifests_lists_and_resources(tmp_path: Path) -> None:
    text = (
        f"name: plain\nconfig:\n  connector.class: {SOURCE}\n  topic: t\n  file: /tmp/p\n---\n"
        "apiVersion: v1\nkind: List\nitems:\n"
        + "".join(
            "- " + connector(name).replace("\n", "\n  ").rstrip() + "\n" for name in ("a", "b")
        )
        + "---\n"
        + connector("c")
    )
    write_manifest(tmp_path, "m.yaml", text)
    names = [m.name for m in load_manifests([str(tmp_path)], {})]
    assert names == ["plain", "a", "b", "c"]


def test_pause_is_read_as_paused_and_deprecated(cli: CliRunner, tmp_path: Path) -> None:
    old = connector(api="v1beta2", spec="  pause: true\n")
    write_manifest(tmp_path, "m.yaml", old)
    [manifest] = load_manifests([str(tmp_path)], {})
    assert manifest.state is TargetState.PAUSED
    code, lines = _validate(cli, tmp_path, old)
    assert code == 0
    assert (
        "10: warning: spec.pause is deprecated since Strimzi 0.38 (and gone in v1); use "
        "spec.state [strimzi/deprecated]"
    ) in lines


def test_operator_features_are_accepted_and_their_kconnect_equivalent_noted(
    cli: CliRunner, tmp_path: Path
) -> None:
    spec = (
        "  autoRestart:\n    enabled: true\n    maxRestarts: 3\n"
        "  listOffsets:\n    toConfigMap:\n      name: src-offsets\n"
        "  alterOffsets:\n    fromConfigMap:\n      name: src-new-offsets\n"
    )
    code, lines = _validate(cli, tmp_path, connector(spec=spec))
    assert code == 0, lines
    assert lines[:3] == [
        "10: note: spec.autoRestart is done by the Strimzi operator; with kconnect, `kconnect "
        "reconcile --auto-restart` restarts FAILED connectors and tasks [strimzi/auto-restart]",
        "13: note: spec.listOffsets is done by the Strimzi operator through a ConfigMap; "
        "kconnect reads and changes offsets with `kconnect offsets get src` [strimzi/offsets]",
        "16: note: spec.alterOffsets is done by the Strimzi operator through a ConfigMap; "
        "kconnect reads and changes offsets with `kconnect offsets set src --file FILE` "
        "[strimzi/offsets]",
    ]


def test_client_side_interpolation_and_provider_references(tmp_path: Path) -> None:
    config = (
        "    topic: ${TOPIC}\n    file: /tmp/x\n"
        "    a.password: ${secrets:kafka/db:password}\n    b.user: ${env:DB_USER}\n"
    )
    write_manifest(tmp_path, "m.yaml", connector(config=config))
    [manifest] = load_manifests([str(tmp_path)], {"TOPIC": "orders"})
    assert manifest.config["topic"] == "orders"
    assert manifest.config["a.password"] == "${secrets:kafka/db:password}"
    assert manifest.config["b.user"] == "${env:DB_USER}"
    assert manifest.interpolated_keys == frozenset({"topic"})


# -- bad resources ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            connector().replace("  name: src\n", ""),
            "3: error: a KafkaConnector needs metadata.name",
        ),
        (
            connector().replace("  name: src\n", "  generateName: src-\n"),
            "4: error: metadata.generateName is not supported: the connector name is "
            "metadata.name, and a generated one would be a new connector on every apply",
        ),
        (
            connector("My_Source"),
            "4: error: metadata.name 'My_Source' is not a valid Kubernetes name (lower-case "
            "letters, digits, '-' and '.', at most 253); Strimzi uses it as the connector name",
        ),
        (
            connector(spec="  tasks: 2\n"),
            "10: error: unknown field spec.tasks in a KafkaConnector (kafka.strimzi.io/v1) "
            "(allowed: alterOffsets, autoRestart, class, config, listOffsets, state, tasksMax, "
            "version)",
        ),
        (
            connector(api="v1", spec="  pause: true\n"),
            "10: error: spec.pause is not in kafka.strimzi.io/v1 (removed in 1.0); use "
            "spec.state: paused",
        ),
        (
            connector() + "extra: 1\n",
            "13: error: unknown top-level field 'extra' in a KafkaConnector (allowed: "
            "apiVersion, kind, metadata, spec, status)",
        ),
        (
            connector(api="v1alpha1"),
            "1: error: kafka.strimzi.io/v1alpha1 is not served by Strimzi for KafkaConnector "
            "(use kafka.strimzi.io/v1)",
        ),
        (
            connector().replace(f"  class: {SOURCE}\n", ""),
            "7: error: spec.class is required (the connector's class)",
        ),
        (
            connector().replace("tasksMax: 1", "tasksMax: '2'"),
            "9: error: spec.tasksMax must be an integer, not a string",
        ),
        (
            connector().replace("tasksMax: 1", "tasksMax: 0"),
            "9: error: spec.tasksMax must be at least 1",
        ),
        (
            connector().replace("tasksMax: 1", "tasksMax: 2147483648"),
            "9: error: spec.tasksMax must be at most 2147483647",
        ),
        (
            connector(spec="  state: failed\n"),
            "10: error: spec.state must be running, paused or stopped, not 'failed'",
        ),
        (
            connector(api="v1beta2", spec="  state: stopped\n  pause: true\n"),
            "11: error: spec.pause: true contradicts spec.state: stopped",
        ),
        (
            connector(config="    topic: t\n    nested:\n      a: b\n"),
            "12: error: spec.config.nested: nested mappings are not allowed (Connect configs "
            "are flat key/value strings)",
        ),
        (
            connector(config="    topic: t\n    transforms: [a, b]\n"),
            "12: error: spec.config.transforms: a list is sent to Connect as a JSON array, "
            "which it rejects; write one comma-separated string",
        ),
        (
            connector(config="    topic: t\n    file:\n"),
            "12: error: spec.config.file: null value (Connect rejects nulls; write '' for an "
            "empty string)",
        ),
        (
            connector(config="    topic: t\n    tiny: 1e-7\n"),
            "12: error: spec.config.tiny: 1e-7 is a number that Connect would store in Java's "
            "number format; quote it to say the exact text",
        ),
        (
            connector(config="    topic: t\n    connector.class: other.Connector\n"),
            "12: error: spec.config.connector.class 'other.Connector' disagrees with spec.class "
            f"'{SOURCE}' (Strimzi ignores spec.config.connector.class)",
        ),
        (
            connector(config="    topic: t\n    name: other\n"),
            "12: error: spec.config.name 'other' disagrees with metadata.name 'src' (Strimzi "
            "ignores spec.config.name)",
        ),
        (
            connector().replace("  class: ", "  class: !vault "),
            "8: error: spec.class: YAML tag !vault is not supported",
        ),
        (
            connector().replace("strimzi.io/cluster: my-connect", "strimzi.io/cluster: true"),
            "6: error: metadata.labels.strimzi.io/cluster must be a string, not a boolean (YAML "
            "reads 'true' unquoted as a boolean; quote it)",
        ),
        (
            "apiVersion: v1\nkind: List\nitems: {}\n",
            "1: error: a List needs a list of 'items'",
        ),
        (
            "kind: KafkaConnector\nmetadata:\n  name: x\n",
            "1: error: a Kubernetes resource needs 'apiVersion'",
        ),
    ],
)
def test_bad_resources_are_errors_at_their_line(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in _problems(tmp_path, text)


def test_same_value_in_spec_config_is_a_warning_only(cli: CliRunner, tmp_path: Path) -> None:
    code, lines = _validate(
        cli, tmp_path, connector(config="    topic: t\n    file: /tmp/x\n    tasks.max: 1\n")
    )
    assert code == 0, lines
    assert (
        "13: warning: spec.config.tasks.max is not to be set in a KafkaConnector; use "
        "spec.tasksMax [strimzi/forbidden-key]"
    ) in lines


def test_same_name_in_two_namespaces_is_an_error_naming_both(tmp_path: Path) -> None:
    first = connector(metadata="  namespace: team-a\n")
    second = connector(metadata="  namespace: team-b\n")
    problems = _problems(tmp_path, first + "---\n" + second)
    assert problems == [
        f"18: error: connector 'src' is declared twice: KafkaConnector team-b/src here and "
        f"KafkaConnector team-a/src at {tmp_path}/m.yaml:4 (one Connect cluster has one "
        "set of connector names)"
    ]


def test_a_resource_and_a_manifest_with_one_name_are_an_error(tmp_path: Path) -> None:
    plain = f"name: src\nconfig:\n  connector.class: {SOURCE}\n  topic: t\n  file: /tmp/p\n"
    problems = _problems(tmp_path, plain + "---\n" + connector())
    assert problems == [
        f"10: error: connector 'src' is declared twice: KafkaConnector src here and a manifest "
        f"at {tmp_path}/m.yaml:1 (one Connect cluster has one set of connector names)"
    ]


def test_resources_for_two_connect_clusters_are_an_error(tmp_path: Path) -> None:
    text = connector("a", cluster="east") + "---\n" + connector("b", cluster="west")
    problems = _problems(tmp_path, text)
    assert problems == [
        f"16: error: these KafkaConnectors belong to 2 Connect clusters (east "
        f"({tmp_path}/m.yaml:3), west ({tmp_path}/m.yaml:16)); kconnect checks one cluster's "
        "connectors at a time"
    ]


def test_missing_cluster_label_is_a_warning(cli: CliRunner, tmp_path: Path) -> None:
    code, lines = _validate(cli, tmp_path, connector(cluster=None))
    assert code == 0
    assert lines[0] == (
        "3: warning: KafkaConnector src has no strimzi.io/cluster label: Strimzi creates it "
        "in no Connect cluster [strimzi/cluster-label]"
    )


# -- plan and apply --------------------------------------------------------------------------------


def test_plan_and_apply_a_resource_against_the_worker(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    path = write_manifest(tmp_path, "m.yaml", connector(spec="  state: paused\n"))
    env = {"KCONNECT_URL": fake.url}
    plan = cli("plan", str(path), "--detailed-exitcode", env=env)
    assert plan.exit_code == 2, plan.output
    assert "+ create src (state: paused)" in plan.stdout
    applied = cli("apply", str(path), env=env)
    assert applied.exit_code == 0, applied.output
    assert fake.connector_config("src") == {
        "name": "src",
        "connector.class": SOURCE,
        "tasks.max": "1",
        "topic": "t",
        "file": "/tmp/src.txt",
    }
    again = cli("plan", str(path), "--detailed-exitcode", env=env)
    assert again.exit_code == 0, again.output


def test_examples_validate_and_plan_like_the_bundled_pipeline(
    cli: CliRunner, fake: FakeConnect, monkeypatch: pytest.MonkeyPatch
) -> None:
    # connectors.d/ names hosts as `${MYSQL_HOST:-mysql}` and so on; Strimzi sends its
    # resources to Connect as written, so the examples keep the compose defaults literally.
    for name in ("MYSQL_HOST", "MYSQL_PORT", "KAFKA_BOOTSTRAP_SERVERS", "ELASTICSEARCH_URL"):
        monkeypatch.delenv(name, raising=False)
    env = {"KCONNECT_URL": fake.url, "MYSQL_DEBEZIUM_PASSWORD": "unused"}
    validated = cli("validate", str(EXAMPLES), env=env)
    assert validated.exit_code == 0, validated.output
    assert validated.stdout.splitlines()[-1] == (
        "2 connector(s) checked: 0 error(s), 0 warning(s), 1 note(s)"
    )
    from_examples = cli("plan", str(EXAMPLES), "-o", "json", env=env)
    from_bundled = cli("plan", str(BUNDLED), "-o", "json", env=env)
    assert from_examples.exit_code == from_bundled.exit_code == 0
    assert from_examples.json["data"]["changes"] == from_bundled.json["data"]["changes"]
    assert len(from_examples.json["data"]["changes"]) == 2


# -- export ----------------------------------------------------------------------------------------


def test_export_strimzi_writes_resources_that_round_trip(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector(
        "mydb-connector",
        {
            **MYSQL_LIVE_WITH_CANARY,
            "database.ssl.truststore.password": "${secrets:kafka/db:truststore}",
            "x.on": "on",
            "x.y": "y",
            "x.octal": "0o17",
            "x.dollar": "${NOT_OURS}",
        },
        state="PAUSED",
    )
    out = tmp_path / "out"
    env = {"KCONNECT_URL": fake.url}
    result = cli(
        "export", "--format", "strimzi", "--cluster", "my-connect", "-d", str(out), env=env
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"✓ mydb-connector (paused) → {out}/mydb-connector.yaml",
        "Set these variables before `kconnect plan`/`apply` (values not shown):",
        "  MYDB_CONNECTOR_DATABASE_PASSWORD",
    ]
    text = (out / "mydb-connector.yaml").read_text()
    assert "canary" not in text
    assert text.startswith(
        "# Exported by `kconnect export --format strimzi`.\n"
        "# Set before plan/apply: MYDB_CONNECTOR_DATABASE_PASSWORD\n"
        "# (or replace each with a ${secrets:<namespace>/<secret>:<key>} reference)\n"
        "apiVersion: kafka.strimzi.io/v1\n"
        "kind: KafkaConnector\n"
        "metadata:\n"
        "  name: mydb-connector\n"
        "  labels:\n"
        "    strimzi.io/cluster: my-connect\n"
        "spec:\n"
        "  class: io.debezium.connector.mysql.MySqlConnector\n"
        "  tasksMax: 1\n"
        "  state: paused\n"
        "  config:\n"
    )
    assert "    database.password: ${MYDB_CONNECTOR_DATABASE_PASSWORD}\n" in text
    assert "    database.ssl.truststore.password: ${secrets:kafka/db:truststore}\n" in text
    assert "    x.dollar: $${NOT_OURS}\n    x.octal: '0o17'\n    x.on: 'on'\n    x.y: 'y'\n" in text

    env["MYDB_CONNECTOR_DATABASE_PASSWORD"] = "canary-S3cr3t-value"
    validated = cli("validate", str(out), env=env)
    assert validated.exit_code == 0, validated.output
    # The x.* keys are made up on purpose (YAML edge cases): unknown-key warnings, no errors.
    lines = validated.stdout.splitlines()
    assert lines[-1] == "1 connector(s) checked: 0 error(s), 4 warning(s)"
    assert all("[key/unknown]" in line and ": warning: x." in line for line in lines[:-1])
    plan = cli("plan", str(out), "--detailed-exitcode", env=env)
    assert plan.exit_code == 0, plan.output
    assert "No changes." in plan.stdout


def test_export_strimzi_round_trips_values_yaml_would_reinterpret(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    from tests.test_cli_ops import TRICKY

    fake.add_connector(
        "tricky",
        {"connector.class": SOURCE, "tasks.max": "01", "topic": "t", "file": "/f", **TRICKY},
        state="STOPPED",
    )
    env = {"KCONNECT_URL": fake.url}
    result = cli("export", "--format", "strimzi", "--cluster", "c", "-d", str(tmp_path), env=env)
    assert result.exit_code == 0, result.output
    [manifest] = load_manifests([str(tmp_path)], {"NOT_OURS": "expanded!"})
    live = fake.connector_config("tricky")
    assert live is not None
    assert dict(manifest.config) == {k: v for k, v in live.items() if k != "name"}
    assert manifest.state is TargetState.STOPPED


def test_export_strimzi_exports_the_rest_and_reports_names_kubernetes_cannot_hold(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("Bad_Name", {"connector.class": SOURCE, "topic": "t", "file": "/f"})
    fake.add_connector("good", {"connector.class": SOURCE, "topic": "t", "file": "/f"})
    fake.add_connector("also good", {"connector.class": SOURCE, "topic": "t", "file": "/f"})
    env = {"KCONNECT_URL": fake.url}
    out = tmp_path / "out"
    result = cli("export", "--format", "strimzi", "--cluster", "c", "-d", str(out), env=env)
    assert result.exit_code == 1
    why = (
        "is not a valid Kubernetes name (lower-case letters, digits, '-' and '.', at most 253); "
        "Strimzi uses it as the connector name"
    )
    assert result.stdout == (
        f"✗ Bad_Name: not exported: metadata.name 'Bad_Name' {why}\n"
        f"✗ also good: not exported: metadata.name 'also good' {why}\n"
        f"✓ good → {out / 'good.yaml'}\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["good.yaml"]
    doc = cli(
        "export",
        "--format",
        "strimzi",
        "--cluster",
        "c",
        "-d",
        str(out),
        "--force",
        "-o",
        "json",
        env=env,
    ).json
    assert doc["exit_code"] == 1
    assert [r["name"] for r in doc["data"]["refused"]] == ["Bad_Name", "also good"]
    assert [c["name"] for c in doc["data"]["connectors"]] == ["good"]
    out = tmp_path / "named"
    named = cli(
        "export",
        "good",
        "--format",
        "strimzi",
        "--cluster",
        "c",
        "--api-version",
        "kafka.strimzi.io/v1",
        "-d",
        str(out),
        env=env,
    )
    assert named.exit_code == 0, named.output
    assert (
        "\napiVersion: kafka.strimzi.io/v1\nkind: KafkaConnector\n"
        in (out / "good.yaml").read_text()
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--format", "strimzi"],
            "error: --format strimzi needs --cluster NAME (the KafkaConnect name)\n",
        ),
        (["--cluster", "c"], "error: --cluster is for --format strimzi\n"),
        (
            ["--format", "strimzi", "--cluster", "bad_"],
            "error: --cluster: 'bad_' is not a valid strimzi.io/cluster label value (letters, "
            "digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63)\n",
        ),
    ],
)
def test_export_strimzi_usage_errors(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, args: list[str], message: str
) -> None:
    result = cli("export", *args, "-d", str(tmp_path / "x"), env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 64
    assert result.stderr == message
    assert fake.writes() == []


def test_pipeline_lint_and_schemas_check_resources_at_their_lines(
    cli: CliRunner, tmp_path: Path
) -> None:
    for example in EXAMPLES.glob("*.yaml"):
        text = example.read_text()
        text = text.replace("    topics: mingle.mydb.post\n", "    topics: mingle.mydb.posts\n")
        text = text.replace("    database.hostname: mysql\n", "    database.hostnme: mysql\n")
        write_manifest(tmp_path, example.name, text)
    result = cli("validate", str(tmp_path))
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert errors == [
        f"{tmp_path}/elasticsearch-sink.yaml:14: error: topic 'mingle.mydb.posts' is not "
        "produced by any declared Debezium source (mydb-connector writes mingle.mydb.post) "
        "[topics-unmatched]",
        f"{tmp_path}/mydb-connector.yaml:12: error: database.hostname is required by "
        "io.debezium.connector.mysql.MySqlConnector [schema/required]",
        f"{tmp_path}/mydb-connector.yaml:13: error: database.hostnme: unknown key; did you "
        "mean database.hostname? [key/typo]",
    ]


def test_a_mistyped_secret_is_never_shown(cli: CliRunner, tmp_path: Path) -> None:
    config = "    topic: t\n    file: /tmp/x\n    db.password: 0755123\n    api.secret: 1e-9\n"
    path = write_manifest(tmp_path, "m.yaml", connector(config=config))
    result = cli("validate", str(path))
    assert result.exit_code == 1
    assert "0755123" not in result.output
    assert "1e-9" not in result.output
    assert str(int("755123", 8)) not in result.output
    assert (
        "13: warning: spec.config.db.password: YAML reads this value as an integer, so Connect "
        "stores a different text; quote it to keep the text as written [strimzi/retyped]"
    ) in result.stdout
    assert (
        "14: error: spec.config.api.secret: this value is a number that Connect would store "
        "in Java's number format; quote it to say the exact text [strimzi/value]"
    ) in result.stdout


def test_paths_with_only_skipped_documents_are_an_error_not_a_prune_all(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("keep", {"connector.class": SOURCE, "topic": "t", "file": "/f"})
    path = write_manifest(tmp_path, "m.yaml", (EXAMPLES / "kafka-connect.yaml").read_text())
    result = cli("plan", str(path), "--prune", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 1
    assert f"error: no connector is declared in {path}: every document was skipped" in (
        result.output
    )
    assert fake.connector_config("keep") is not None
    assert "delete" not in result.stdout
