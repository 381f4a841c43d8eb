"""Static checks of the bundled stack: docker-compose.yml, the two Dockerfiles, the MySQL init
scripts and connectors.d/. No Docker daemon needed; `docker-compose config -q` runs when the
binary is installed (CI installs it through .ci/compose-check)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from kconnect.manifests.interpolate import interpolate

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
CONNECT_DOCKERFILE = ROOT / "Dockerfile.connect"
KCONNECT_DOCKERFILE = ROOT / "Dockerfile"
MYSQL_DIR = ROOT / "docker" / "mysql"
CONNECTORS_DIR = ROOT / "connectors.d"

# Services that run once and exit; every other service is long-running.
ONE_SHOT = {"kconnect"}
PROVIDER_REFERENCE = re.compile(r"^\$\{[^:}]+:[^}]*\}$")
SCHEMA_COMMENT = "# yaml-language-server: $schema=../schemas/manifest.schema.json"


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = _load(COMPOSE_FILE)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _dockerfile_lines(path: Path) -> list[str]:
    """Instructions with line continuations joined and comments dropped."""
    lines: list[str] = []
    current = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    if current:
        lines.append(current)
    return lines


def _arg_defaults(lines: list[str]) -> dict[str, str]:
    args = {}
    for line in lines:
        match = re.match(r"ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)", line)
        if match:
            args[match.group(1)] = match.group(2)
    return args


def _assert_pinned(image: str) -> None:
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    assert ":" in last or digest, f"{image}: no tag"
    tag = last.rsplit(":", 1)[-1] if ":" in last else ""
    assert tag != "latest", f"{image}: uses latest"
    assert "$" not in image, f"{image}: tag must be literal, not interpolated"
    if not digest:
        assert re.search(r"\d", tag), f"{image}: tag {tag!r} is not a version"


def _manifests() -> dict[str, dict[str, Any]]:
    # BaseLoader keeps every scalar as its literal text, as kconnect does (`true` -> "true").
    result = {}
    for path in sorted(CONNECTORS_DIR.glob("*.yaml")):
        for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader):
            if doc is not None:
                result[doc["name"]] = doc
    return result


def _raw_config(name: str) -> dict[str, str]:
    config = _manifests()[name]["config"]
    return {
        key: ",".join(value) if isinstance(value, list) else value for key, value in config.items()
    }


def _config(name: str) -> dict[str, str]:
    """The config the compose stack's kconnect applies: no variable set in its container."""
    return {k: interpolate(v, {}).text for k, v in _raw_config(name).items()}


# --- docker-compose.yml -------------------------------------------------------------------


def test_expected_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"kafka", "mysql", "elasticsearch", "kibana", "connect", "kconnect"}


def test_every_image_is_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        if "build" not in service:
            _assert_pinned(service["image"])


def test_no_zookeeper_kafka_runs_kraft(services: dict[str, dict[str, Any]]) -> None:
    assert not any("zookeeper" in name for name in services)
    for service in services.values():
        assert "zookeeper" not in str(service.get("image", "")).lower()
        assert not any("ZOOKEEPER" in key for key in _env(service))
    env = _env(services["kafka"])
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(env["KAFKA_NODE_ID"] + "@")
    assert "CLUSTER_ID" in env
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"


def test_long_running_services_have_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if name in ONE_SHOT:
            continue
        check = service.get("healthcheck")
        assert check, f"{name}: no healthcheck"
        assert not check.get("disable"), name
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_depends_on_waits_for_health(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on must use the long form"
        for target, spec in depends.items():
            assert target in services, f"{name} -> {target}"
            condition = spec["condition"]
            if target in ONE_SHOT:
                assert condition == "service_completed_successfully", f"{name} -> {target}"
            else:
                assert condition == "service_healthy", f"{name} -> {target}"


def test_connect_waits_for_its_dependencies(services: dict[str, dict[str, Any]]) -> None:
    assert set(services["connect"]["depends_on"]) == {"kafka", "mysql", "elasticsearch"}


def test_named_volumes_declared_and_used(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    declared = set(compose.get("volumes") or {})
    used = set()
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume["source"]
            if not source.startswith((".", "/")):
                used.add(source)
    assert used, "stateful services need named volumes"
    assert used <= declared, f"undeclared volumes: {used - declared}"
    for name in ("kafka", "mysql", "elasticsearch"):
        sources = {str(v).split(":", 1)[0] for v in services[name].get("volumes", [])}
        assert sources & declared, f"{name}: no named volume"


def test_ports_bound_to_localhost(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for port in service.get("ports", []):
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"
            else:
                assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"


def test_no_plaintext_connector_password_on_the_worker(
    services: dict[str, dict[str, Any]],
) -> None:
    env = _env(services["connect"])
    assert env["MYSQL_DEBEZIUM_PASSWORD"].startswith("${MYSQL_DEBEZIUM_PASSWORD")


def test_mysql_binlog_and_gtid_settings(services: dict[str, dict[str, Any]]) -> None:
    mysql = services["mysql"]
    assert mysql["image"].startswith("mysql:8.")
    command = mysql["command"]
    flags = " ".join(command) if isinstance(command, list) else command
    settings = dict(
        match.groups() for match in re.finditer(r"--([a-z0-9_-]+)=(\S+)", flags.replace("_", "-"))
    )
    assert settings["binlog-row-image"] == "FULL"
    assert settings["gtid-mode"] == "ON"
    assert settings["enforce-gtid-consistency"] == "ON"
    assert int(settings["server-id"]) > 0
    assert settings.get("binlog-format", "ROW") == "ROW"
    assert "log-bin" in settings
    assert _env(mysql)["MYSQL_DEBEZIUM_PASSWORD"].startswith("${")


def test_mysql_init_scripts_mounted(services: dict[str, dict[str, Any]]) -> None:
    mounts = {}
    for volume in services["mysql"]["volumes"]:
        parts = volume.split(":")
        if parts[0].startswith("./"):
            mounts[parts[1]] = (ROOT / parts[0]).resolve()
            assert parts[-1] == "ro", volume
    init = {target: src for target, src in mounts.items() if "docker-entrypoint-initdb.d" in target}
    assert init, "no init scripts mounted"
    for target, source in init.items():
        assert source.is_file(), f"{source} (mounted at {target}) does not exist"
    # Lexical order: schema first, then the user.
    ordered = [init[target].name for target in sorted(init)]
    assert ordered == ["init.sql", "debezium-user.sh"]


def test_init_sql_creates_mydb_post() -> None:
    sql = (MYSQL_DIR / "init.sql").read_text(encoding="utf-8")
    normalized = re.sub(r"\s+", " ", sql)
    assert re.search(r"CREATE DATABASE (IF NOT EXISTS )?mydb", normalized, re.I)
    table = re.search(
        r"CREATE TABLE (?:IF NOT EXISTS )?(?:mydb\.)?post \((.*?)\) ENGINE", sql, re.S
    )
    assert table, "mydb.post not created"
    body = table.group(1)
    assert re.search(r"post_id\s+INT\b.*AUTO_INCREMENT", body)
    assert re.search(r"PRIMARY KEY \(post_id\)", body)
    for column in ("author_id", "content", "created_at", "updated_at"):
        assert re.search(rf"^\s*{column}\s", body, re.M), column
    assert re.search(r"INSERT INTO (?:mydb\.)?post", sql)


def test_debezium_user_grants() -> None:
    script = (MYSQL_DIR / "debezium-user.sh").read_text(encoding="utf-8")
    assert "CREATE USER IF NOT EXISTS 'debezium'@'%'" in script
    grant = re.search(r"GRANT (.+?) ON \*\.\* TO 'debezium'@'%'", script)
    assert grant
    privileges = {p.strip() for p in grant.group(1).split(",")}
    assert privileges == {
        "SELECT",
        "RELOAD",
        "SHOW DATABASES",
        "REPLICATION SLAVE",
        "REPLICATION CLIENT",
    }
    # The password comes from the environment, never from the repository.
    assert "${MYSQL_DEBEZIUM_PASSWORD" in script


def test_debezium_user_script_is_valid_bash() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash not installed")
    subprocess.run([bash, "-n", str(MYSQL_DIR / "debezium-user.sh")], check=True)


def test_connect_worker_settings(services: dict[str, dict[str, Any]]) -> None:
    connect = services["connect"]
    assert connect["build"]["dockerfile"] == "Dockerfile.connect"
    env = _env(connect)
    assert env["CONNECT_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert set(env["CONNECT_CONFIG_PROVIDERS"].split(",")) == {"env", "file"}
    assert (
        env["CONNECT_CONFIG_PROVIDERS_ENV_CLASS"]
        == "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
    )
    assert (
        env["CONNECT_CONFIG_PROVIDERS_FILE_CLASS"]
        == "org.apache.kafka.common.config.provider.FileConfigProvider"
    )
    for kind in ("CONFIG", "OFFSET", "STATUS"):
        assert env[f"CONNECT_{kind}_STORAGE_TOPIC"], kind
        assert env[f"CONNECT_{kind}_STORAGE_REPLICATION_FACTOR"] == "1", kind
    assert env["CONNECT_KEY_CONVERTER"] == "org.apache.kafka.connect.json.JsonConverter"
    assert env["CONNECT_VALUE_CONVERTER"] == "org.apache.kafka.connect.json.JsonConverter"


def test_kconnect_one_shot_service(services: dict[str, dict[str, Any]]) -> None:
    kconnect = services["kconnect"]
    assert kconnect["build"]["dockerfile"] == "Dockerfile"
    assert kconnect["restart"] == "no"
    assert kconnect["depends_on"] == {"connect": {"condition": "service_healthy"}}
    assert _env(kconnect)["KCONNECT_URL"] == "http://connect:8083"
    command = kconnect["command"]
    command = command.split() if isinstance(command, str) else command
    assert command == ["apply", "/connectors.d", "--yes", "--wait"]
    assert "./connectors.d:/connectors.d:ro" in kconnect["volumes"]


# --- Dockerfiles ----------------------------------------------------------------------------


def test_connect_dockerfile_base_is_pinned() -> None:
    lines = _dockerfile_lines(CONNECT_DOCKERFILE)
    froms = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert len(froms) == 1
    _assert_pinned(froms[0])
    assert froms[0].startswith("confluentinc/cp-kafka-connect:")


def test_connect_dockerfile_installs_both_plugins_pinned() -> None:
    lines = _dockerfile_lines(CONNECT_DOCKERFILE)
    args = _arg_defaults(lines)
    text = "\n".join(lines)

    es = re.search(
        r"confluent-hub install --no-prompt .*?confluentinc/kafka-connect-elasticsearch:(\S+)", text
    )
    assert es, "Elasticsearch sink not installed with confluent-hub"
    es_version = es.group(1).replace("${ES_SINK_VERSION}", args.get("ES_SINK_VERSION", ""))
    assert re.fullmatch(r"\d+\.\d+\.\d+", es_version), es_version

    assert "debezium-connector-mysql" in text
    debezium_version = args["DEBEZIUM_VERSION"]
    assert re.fullmatch(r"3\.\d+\.\d+\.Final", debezium_version), debezium_version
    assert "repo1.maven.org/maven2/io/debezium/debezium-connector-mysql/" in text
    assert re.fullmatch(r"[0-9a-f]{64}", args["DEBEZIUM_SHA256"])
    assert "sha256sum -c" in text


def test_connect_dockerfile_healthcheck() -> None:
    lines = _dockerfile_lines(CONNECT_DOCKERFILE)
    checks = [line for line in lines if line.startswith("HEALTHCHECK ")]
    assert len(checks) == 1
    assert "curl -fsS http://localhost:8083/connectors" in checks[0]


def test_kconnect_dockerfile() -> None:
    lines = _dockerfile_lines(KCONNECT_DOCKERFILE)
    froms = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert len(froms) == 1
    _assert_pinned(froms[0])
    assert re.match(r"python:3\.\d+\.\d+-slim", froms[0]), froms[0]
    assert any(re.match(r"RUN pip install \.(\s|$)", line) for line in lines)
    entrypoint = [line for line in lines if line.startswith("ENTRYPOINT ")]
    assert entrypoint == ['ENTRYPOINT ["kconnect"]']
    assert any(line.startswith("USER ") and "root" not in line for line in lines)


def test_dockerignore_keeps_secrets_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored
    assert ".git" in ignored


# --- connectors.d ---------------------------------------------------------------------------


def test_manifests_start_with_schema_comment() -> None:
    paths = sorted(CONNECTORS_DIR.glob("*.yaml"))
    assert [p.name for p in paths] == ["elasticsearch-sink.yaml", "mydb-connector.yaml"]
    for path in paths:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == SCHEMA_COMMENT, path.name


def test_manifest_top_level_keys() -> None:
    for name, doc in _manifests().items():
        assert set(doc) <= {"name", "config", "state"}, name
        assert isinstance(doc["config"], dict), name


def test_source_password_is_a_provider_reference() -> None:
    config = _config("mydb-connector")
    assert config["database.password"] == "${env:MYSQL_DEBEZIUM_PASSWORD}"
    for key, value in config.items():
        if key.endswith("password"):
            assert PROVIDER_REFERENCE.match(value), key


def test_source_settings() -> None:
    config = _config("mydb-connector")
    assert config["connector.class"] == "io.debezium.connector.mysql.MySqlConnector"
    assert config["tasks.max"] == "1"
    assert config["topic.prefix"] == "mingle"
    assert config["database.include.list"] == "mydb"
    assert config["table.include.list"] == "mydb.post"
    assert int(config["database.server.id"]) > 1  # the MySQL server itself uses 1
    assert config["schema.history.internal.kafka.bootstrap.servers"] == "kafka:9092"
    assert config["schema.history.internal.kafka.topic"]
    assert config.get("tombstones.on.delete", "true") == "true"


# Hosts and ports are `${VAR:-compose default}`: the compose stack applies the defaults (its
# kconnect container sets none of the variables), the local test stack exports its own.
ENDPOINTS = {
    ("mydb-connector", "database.hostname"): ("MYSQL_HOST", "mysql"),
    ("mydb-connector", "database.port"): ("MYSQL_PORT", "3306"),
    ("mydb-connector", "schema.history.internal.kafka.bootstrap.servers"): (
        "KAFKA_BOOTSTRAP_SERVERS",
        "kafka:9092",
    ),
    ("elasticsearch-sink", "connection.url"): ("ELASTICSEARCH_URL", "http://elasticsearch:9200"),
}


def test_endpoints_are_variables_with_the_compose_defaults(
    services: dict[str, dict[str, Any]],
) -> None:
    for (name, key), (variable, default) in ENDPOINTS.items():
        assert _raw_config(name)[key] == f"${{{variable}:-{default}}}", (name, key)
        assert variable not in services["kconnect"].get("environment", {})
    # The defaults name the compose services and the ports they listen on.
    assert {"mysql", "kafka", "elasticsearch"} <= set(services)
    assert "9092" in str(services["kafka"]) and "9200" in str(services["elasticsearch"])


def test_sink_reads_the_topic_the_source_writes() -> None:
    source, sink = _config("mydb-connector"), _config("elasticsearch-sink")
    produced = {
        f"{source['topic.prefix']}.{table}" for table in source["table.include.list"].split(",")
    }
    assert "topics.regex" not in sink
    assert set(sink["topics"].split(",")) == produced == {"mingle.mydb.post"}


def test_sink_unwraps_keys_and_deletes() -> None:
    sink = _config("elasticsearch-sink")
    transforms = sink["transforms"].split(",")
    types = {sink[f"transforms.{t}.type"]: t for t in transforms}
    unwrap = types["io.debezium.transforms.ExtractNewRecordState"]
    assert sink.get(f"transforms.{unwrap}.delete.tombstone.handling.mode", "tombstone") in {
        "tombstone",
        "rewrite-with-tombstone",
        "delete-to-tombstone",
    }
    key = types["org.apache.kafka.connect.transforms.ExtractField$Key"]
    assert sink[f"transforms.{key}.field"] == "post_id"
    assert transforms.index(unwrap) < transforms.index(key)
    assert sink["key.ignore"] == "false"
    assert sink["behavior.on.null.values"].lower() == "delete"
    assert "data.stream.type" not in sink


def test_converters_consistent_with_schema_ignore() -> None:
    source, sink = _config("mydb-connector"), _config("elasticsearch-sink")
    for side in ("key", "value"):
        converter = f"{side}.converter"
        assert source[converter] == sink[converter] == "org.apache.kafka.connect.json.JsonConverter"
        enable = f"{converter}.schemas.enable"
        assert source[enable] == sink[enable]
    # Mapping inferred from schemas needs schemas, and Connect-typed timestamps.
    assert sink["schema.ignore"] == "false"
    assert sink["value.converter.schemas.enable"] == "true"
    assert source["time.precision.mode"] == "connect"


# --- docker-compose itself ------------------------------------------------------------------


def test_docker_compose_config_is_valid() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose not installed (.ci/compose-check installs it)")
    result = subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
