"""Secret canaries: every command × output mode × normal and error path, against a worker that
echoes configs in its errors and traces. Nothing kconnect prints, logs or writes may contain a
canary in any spelling: raw, JSON-escaped (ASCII or UTF-8), Python repr — nor a distinctive
piece of one (a mask that stopped early leaks the tail).

The canaries hold what breaks naive masking: quotes, backslashes, non-ASCII, `%`, regex
metacharacters and braces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CliResult, CliRunner
from tests.fakeconnect import FakeConnect, _java_map

# Known to kconnect: from the manifest (secret-looking keys, a JAAS value, a URL's user info)
# or from its own credentials.
DB = 'Db"K1\\é%[.*]+(?QxDbTailQx'
JAAS = "Ja'as\\ü%(.*)$QxJaasTailQx"
TOKEN = 'Tok"en\\%s{0}QxTokTailQx'
URL_PW = "Url\\pw'é%*[+]QxUrlTailQx"
CHANGED = 'Ch"anged\\ñ%.*QxChgTailQx'
CREDENTIAL = 'Cred"\\ø%[a-z]+QxCredTailQx'
URL_CREDENTIAL = "Kc'url\\ö%(.)QxKcUrlTailQx"
# Never seen by kconnect: only in what the worker says (a config it echoes, a trace).
UNSEEN = 'Un"seen\\ß%[.*]+{x}QxUnseenTailQx'
UNSEEN_JAAS = "Un'jaas\\ç%.*QxUnJaasTailQx"

CANARIES = (DB, JAAS, TOKEN, URL_PW, CHANGED, CREDENTIAL, URL_CREDENTIAL, UNSEEN, UNSEEN_JAAS)

CLASS = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def spellings(canary: str) -> set[str]:
    forms = {
        canary,
        json.dumps(canary)[1:-1],
        json.dumps(canary, ensure_ascii=False)[1:-1],
        repr(canary)[1:-1],
        json.dumps(json.dumps(canary))[1:-1],  # JSON quoted inside a JSON string
    }
    forms |= set(re.findall(r"Qx\w+Qx", canary))  # the tail: masking that stopped early
    return forms


def assert_clean(where: str, text: str) -> None:
    for canary in CANARIES:
        for form in spellings(canary):
            assert form not in text, f"{where}: {form!r} leaked:\n{text}"


def config(db: str = DB, url_pw: str = URL_PW) -> dict[str, str]:
    return {
        "connector.class": CLASS,
        "tasks.max": "1",
        "topic": "t",
        "file": "/tmp/leaky.txt",
        "database.password": db,
        "producer.override.sasl.jaas.config": (
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="u" password="{JAAS}";'
        ),
        "my.service.api.token": TOKEN,
        "connection.url": f"jdbc:mysql://app:{url_pw}@db.example:3306/inventory",
    }


def write(directory: Path, cfg: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"name": "leaky", "config": cfg}, allow_unicode=True, sort_keys=False)
    assert "${" not in text  # would be interpolated
    (directory / "leaky.yaml").write_text(text, encoding="utf-8")


def unseen_config() -> dict[str, str]:
    """What a worker echoes: a config with values kconnect never read."""
    return {
        "name": "leaky",
        "connector.class": CLASS,
        "database.password": UNSEEN,
        "producer.override.sasl.jaas.config": f'x.PlainLoginModule required password="{UNSEEN_JAAS}";',
        "topic": "t",
    }


ECHO_MAP = f"Connector config {_java_map(unseen_config())} contains no connector type"
ECHO_JSON = "Invalid connector configuration: " + json.dumps(unseen_config(), ensure_ascii=False)
TRACE = (
    "org.apache.kafka.connect.errors.ConnectException: "
    f"Failed to start with {_java_map({**config(), **unseen_config()})}\n"
    f'\tCaused by: javax.security.auth.login.LoginException: password="{UNSEEN_JAAS}";\n'
    f"\tCaused by: java.sql.SQLException: cannot reach jdbc:mysql://app:{UNSEEN}@db/x\n"
    "\tat org.example.Task.start(Task.java:42)"
)

MODES = {
    "text": (),
    "json": ("-o", "json"),
    "-v": ("-v",),
    "-vv": ("-vv",),
    "json -vv": ("-o", "json", "-vv"),
}


def commands(directory: Path, export_dir: Path) -> dict[str, tuple[str, ...]]:
    d = str(directory)
    return {
        "validate": ("validate", d),
        "validate --online": ("validate", "--online", d),
        "plan": ("plan", d),
        "plan --online": ("plan", "--online", d),
        "diff": ("diff", d),
        "apply --wait": ("apply", d, "--wait", "--timeout", "3"),
        "apply --online": ("apply", "--online", d),
        "status": ("status",),
        "get": ("get",),
        "describe": ("describe", "leaky"),
        "restart": ("restart", "leaky", "--include-tasks"),
        "pause": ("pause", "leaky"),
        "resume": ("resume", "leaky"),
        "stop": ("stop", "leaky"),
        "export": ("export", "leaky", "--dir", str(export_dir), "--force"),
        "export strimzi": (
            *("export", "leaky", "--dir", str(export_dir / "strimzi"), "--force"),
            *("--format", "strimzi", "--cluster", "connect"),
        ),
        "info": ("info",),
        "offsets get": ("offsets", "get", "leaky"),
        "delete": ("delete", "leaky", "--yes"),
        "reconcile --once": ("reconcile", d, "--once", "--timeout", "3"),
    }


def run_all(
    cli: CliRunner, env: dict[str, str], directory: Path, export_dir: Path, **only: Any
) -> Iterator[tuple[str, CliResult]]:
    modes = only.get("modes", MODES)
    for name, args in commands(directory, export_dir).items():
        for mode in modes:
            extra = MODES[mode]
            if name == "reconcile --once" and "-o" in extra:
                extra = tuple(a if a != "-o" else "--output" for a in extra)
            yield f"{name} [{mode}]", cli(*args, *extra, env=env)
    yield "plan [markdown]", cli("plan", str(directory), "-o", "markdown", env=env)


def check_exports(export_dir: Path) -> None:
    for path in export_dir.rglob("*.yaml"):
        assert_clean(str(path), path.read_text(encoding="utf-8"))


@pytest.fixture
def setup(
    fake: FakeConnect, tmp_path: Path
) -> tuple[dict[str, str], Path, Path, Callable[[], None]]:
    directory, export_dir = tmp_path / "connectors.d", tmp_path / "export"
    write(directory, config())
    env = {
        "KCONNECT_URL": fake.url.replace("://", f"://admin:{URL_CREDENTIAL}@"),
        "KCONNECT_PASSWORD": CREDENTIAL,
        "KCONNECT_USERNAME": "admin",
        "KCONNECT_RETRIES": "1",
    }

    def reset() -> None:
        fake.clear_faults()
        if "leaky" not in fake.connector_names():
            fake.add_connector("leaky", {"name": "leaky", **config()})

    reset()
    return env, directory, export_dir, reset


def test_normal_paths(
    cli: CliRunner, fake: FakeConnect, setup: tuple[dict[str, str], Path, Path, Any]
) -> None:
    env, directory, export_dir, reset = setup
    seen = 0
    for where, result in run_all(cli, env, directory, export_dir):
        assert "Traceback" not in result.output, (where, result.output)
        assert_clean(where, result.output)
        check_exports(export_dir)
        # each command did its job (a matrix of usage errors would prove nothing)
        assert result.exit_code == 0, (where, result.output)
        reset()
        seen += 1
    assert seen == len(commands(directory, export_dir)) * len(MODES) + 1
    exported = (export_dir / "leaky.yaml").read_text(encoding="utf-8")
    assert (
        "connection.url: jdbc:mysql://app:${LEAKY_CONNECTION_URL_PASSWORD}@db.example:3306/inventory"
        in exported
    )
    assert "database.password: ${LEAKY_DATABASE_PASSWORD}" in exported
    assert "${LEAKY_CONNECTION_URL_PASSWORD}" in (export_dir / "strimzi" / "leaky.yaml").read_text()
    # the worker really received the secrets (a test that masks the input proves nothing)
    sent = json.dumps(DB, ensure_ascii=False)[1:-1]
    assert any(sent in json.dumps(r.body, ensure_ascii=False) for r in fake.requests if r.body)


def test_changed_secrets_show_as_changed_without_values(
    cli: CliRunner, fake: FakeConnect, setup: tuple[dict[str, str], Path, Path, Any]
) -> None:
    env, directory, _, _ = setup
    write(directory, config(db=CHANGED, url_pw=CHANGED))
    for mode in ("text", "json", "markdown"):
        result = cli("plan", str(directory), "-o", mode, "--detailed-exitcode", env=env)
        assert result.exit_code == 2, result.output
        assert_clean(f"plan -o {mode}", result.output)
        assert "database.password" in result.stdout
        assert "connection.url" in result.stdout
    text = cli("plan", str(directory), env=env).stdout
    assert (
        "~ connection.url: jdbc:mysql://app:********@db.example:3306/inventory → "
        "jdbc:mysql://app:********@db.example:3306/inventory (secret changed)"
    ) in text
    changes = cli("plan", str(directory), "-o", "json", env=env).json["data"]["changes"][0]
    url = next(k for k in changes["keys"] if k["key"] == "connection.url")
    assert url["secret"] is True
    assert url["after"] == "jdbc:mysql://app:********@db.example:3306/inventory"


@pytest.mark.parametrize(
    ("echo", "status"), [(ECHO_MAP, 500), (ECHO_JSON, 400)], ids=["map-toString-500", "json-400"]
)
def test_worker_errors_echoing_configs(
    cli: CliRunner,
    fake: FakeConnect,
    setup: tuple[dict[str, str], Path, Path, Any],
    echo: str,
    status: int,
) -> None:
    env, directory, export_dir, reset = setup
    for where, result in run_all(cli, env, directory, export_dir, modes=("text", "json -vv")):
        assert "Traceback" not in result.output, (where, result.output)
        assert_clean(where, result.output)
        check_exports(export_dir)
        reset()
        # every request fails with the echo (the next command meets it on its first one)
        fake.inject(path=".*", status=status, message=echo, times=1000)
    fake.clear_faults()
    fake.inject(path=".*", status=status, message=echo, times=1000)
    failed = cli("status", "-o", "json", env=env)
    assert failed.exit_code == 1
    message = failed.json["errors"][0]["message"]
    # the rest of the worker's message is kept: only the secrets are masked
    if echo is ECHO_MAP:
        assert "database.password=********, name=leaky, " in message
        assert "producer.override.sasl.jaas.config=********, topic=t}" in message
    else:
        assert '"database.password": "********", "producer' in message
        assert '"producer.override.sasl.jaas.config": "********", "topic": "t"}' in message


def test_failed_tasks_with_traces(
    cli: CliRunner, fake: FakeConnect, setup: tuple[dict[str, str], Path, Path, Any]
) -> None:
    env, directory, export_dir, _ = setup

    def reset() -> None:
        fake.clear_faults()
        fake.add_connector("leaky", {"name": "leaky", **config()})  # running again
        fake.fail_task("leaky", 0, TRACE)
        fake.fail_connector("leaky", TRACE)

    reset()
    for where, result in run_all(cli, env, directory, export_dir, modes=("text", "json -vv")):
        assert "Traceback" not in result.output, (where, result.output)
        assert_clean(where, result.output)
        reset()
    status = cli("status", env=env)
    assert status.exit_code == 3
    assert 'LoginException: password="********"' in status.stdout
    assert "jdbc:mysql://app:********@db/x" in status.stdout


def test_unreachable_worker_with_url_credentials(
    cli: CliRunner, tmp_path: Path, setup: tuple[dict[str, str], Path, Path, Any]
) -> None:
    env, directory, export_dir, _ = setup
    env = {**env, "KCONNECT_URL": f"http://admin:{URL_CREDENTIAL}@127.0.0.1:9"}
    env["KCONNECT_UNREACHABLE_TIMEOUT"] = "0.5"
    for where, result in run_all(cli, env, directory, export_dir, modes=("text", "json -vv")):
        assert "Traceback" not in result.output, (where, result.output)
        assert_clean(where, result.output)
    result = cli("status", env=env)
    assert result.exit_code == 1
    assert "http://admin:********@127.0.0.1:9" in result.stderr


def test_reconcile_logs_and_metrics(
    cli: CliRunner, fake: FakeConnect, setup: tuple[dict[str, str], Path, Path, Any]
) -> None:
    env, directory, _, _ = setup
    fake.fail_task("leaky", 0, TRACE)
    for output in ("text", "json"):
        result = cli(
            "reconcile",
            str(directory),
            "--once",
            "--output",
            output,
            "-vv",
            "--auto-restart",
            env=env,
        )
        assert_clean(f"reconcile --once -o {output}", result.output)
        assert result.stdout.strip()
    from kconnect.reconcile.metrics import ReconcileMetrics

    metrics = ReconcileMetrics()
    metrics.set_connectors({f"leaky-{DB}": False}, {f"x{UNSEEN_JAAS}": 1.0})
    from kconnect.output.redaction import clear_secrets, register_secrets

    register_secrets([DB, UNSEEN_JAAS])
    try:
        assert_clean("metrics", metrics.render())
    finally:
        clear_secrets()


def test_retry_logs_echoing_configs(
    cli: CliRunner, fake: FakeConnect, setup: tuple[dict[str, str], Path, Path, Any]
) -> None:
    env, directory, _, _ = setup
    env = {**env, "KCONNECT_RETRIES": "4"}
    for verbosity in ("-v", "-vv"):
        fake.inject(path="/connectors", status=503, message=ECHO_MAP, times=1)
        fake.inject(path="/connectors", status=409, message=ECHO_JSON, times=1)
        result = cli("plan", str(directory), verbosity, env=env)
        assert result.exit_code == 0, result.output
        assert result.stderr.count("retrying GET /connectors") == 2
        assert_clean(f"plan {verbosity} retry log", result.output)
