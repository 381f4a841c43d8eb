"""Manifests in the files people already have: Connect's own JSON (as sent with curl) and
`.properties` files (as standalone Connect reads them), with the same rules and file:line
errors as YAML; and `kconnect convert`, which writes them as kconnect YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from kconnect.errors import ManifestError
from kconnect.manifests.loader import load_manifests
from tests.conftest import CliRunner, write_manifest
from tests.fakeconnect import FakeConnect

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
CURL_JSON = f"""{{
\t"name": "orders-src",
\t"config": {{
\t\t"connector.class": "{SOURCE}",
\t\t"tasks.max": 2,
\t\t"topic": "orders",
\t\t"file": "/tmp/orders.txt",
\t\t"batch.size": 100,
\t\t"name": "orders-src"
\t}}
}}
"""
STANDALONE = f"""# connect-file-source.properties, as standalone Connect reads it
name=local-file-source
connector.class={SOURCE}
tasks.max = 1
! another comment style
file : /tmp/test\\
       .txt
topic test\\u0041
"""


def _problems(tmp_path: Path, filename: str, text: str) -> list[str]:
    write_manifest(tmp_path, filename, text)
    with pytest.raises(ManifestError) as raised:
        load_manifests([str(tmp_path)], {})
    return [f"{p.location.line if p.location else '-'}: {p.message}" for p in raised.value.problems]


def test_connect_json_is_a_manifest(tmp_path: Path) -> None:
    write_manifest(tmp_path, "orders.json", CURL_JSON)
    [manifest] = load_manifests([str(tmp_path)], {})
    assert manifest.name == "orders-src"
    assert manifest.config == {
        "connector.class": SOURCE,
        "tasks.max": "2",
        "topic": "orders",
        "file": "/tmp/orders.txt",
        "batch.size": "100",
    }
    assert manifest.key_locations["topic"].line == 6


def test_a_json_array_holds_several(tmp_path: Path) -> None:
    text = (
        f'[{{"name": "a", "config": {{"connector.class": "{SOURCE}", "topic": "t"}}}},\n'
        f' {{"name": "b", "config": {{"connector.class": "{SOURCE}", "topic": "t"}}}}]\n'
    )
    write_manifest(tmp_path, "many.json", text)
    assert [m.name for m in load_manifests([str(tmp_path)], {})] == ["a", "b"]


def test_a_properties_file_is_a_manifest(tmp_path: Path) -> None:
    write_manifest(tmp_path, "local.properties", STANDALONE)
    [manifest] = load_manifests([str(tmp_path)], {})
    assert manifest.name == "local-file-source"
    assert manifest.config == {
        "connector.class": SOURCE,
        "tasks.max": "1",
        "file": "/tmp/test.txt",  # a continued line, its leading spaces dropped
        "topic": "testA",
    }
    assert manifest.key_locations["file"].line == 6
    assert manifest.key_locations["topic"].line == 8


@pytest.mark.parametrize(
    ("filename", "text", "expected"),
    [
        ("bad.json", '{"name": "x",\n "config": {"a": 1,}\n}\n', "2: invalid JSON: Expecting"),
        ("bad.json", '"just a string"\n', "1: a JSON manifest is an object"),
        (
            "bad.json",
            f'{{"name": "x", "config": {{"connector.class": "{SOURCE}",\n "topic": null}}}}\n',
            "2: topic: null value",
        ),
        (
            "bad.json",
            f'{{"name": "x", "config": {{"connector.class": "{SOURCE}"}},\n "tasks": []}}\n',
            "2: unknown top-level key 'tasks'",
        ),
        (
            "bad.json",
            f'{{"name": "x", "config": {{"connector.class": "{SOURCE}",\n'
            '  "topic": "a",\n  "topic": "b"}}\n',
            "3: duplicate key 'topic'",
        ),
        (
            "bad.properties",
            f"connector.class={SOURCE}\ntopic=t\n",
            "1: missing required key 'name'",
        ),
        (
            "bad.properties",
            f"name=x\nconnector.class={SOURCE}\ntopic=a\ntopic=b\n",
            "4: duplicate key 'topic' in config (first at line 3)",
        ),
        ("bad.properties", "name=x\nx=\\u12G4\n", "2: malformed \\uXXXX escape"),
        ("bad.properties", "# only a comment\n", "1: file holds no property"),
    ],
)
def test_bad_files_are_errors_at_their_line(
    tmp_path: Path, filename: str, text: str, expected: str
) -> None:
    problems = _problems(tmp_path, filename, text)
    assert any(p.startswith(expected) for p in problems), problems


def test_validate_and_plan_read_all_three_formats_together(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "orders.json", CURL_JSON)
    write_manifest(tmp_path, "local.properties", STANDALONE)
    write_manifest(
        tmp_path,
        "yaml.yaml",
        f"name: y\nconfig:\n  connector.class: {SOURCE}\n  topic: t\n  file: /f\n",
    )
    validated = cli("validate", str(tmp_path))
    assert validated.exit_code == 0, validated.output
    assert validated.stdout.splitlines()[-1].startswith("3 connector(s) checked: 0 error(s)")
    plan = cli("plan", str(tmp_path), "-o", "json", env={"KCONNECT_URL": fake.url})
    assert plan.exit_code == 0, plan.output
    assert sorted(c["name"] for c in plan.json["data"]["changes"]) == [
        "local-file-source",
        "orders-src",
        "y",
    ]


# -- kconnect convert -----------------------------------------------------------------------------


def test_convert_writes_manifests_that_mean_the_same(cli: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "in"
    json_file = write_manifest(src, "orders.json", CURL_JSON)
    props = write_manifest(
        src,
        "db.properties",
        "name=db\nconnector.class=io.debezium.connector.mysql.MySqlConnector\n"
        "database.password=canary-Pr0ps-pw\ntopic.prefix=${NOT_A_VAR}\n"
        "database.hostname=${file:/etc/db.properties:host}\n",
    )
    out = tmp_path / "out"
    result = cli("convert", str(json_file), str(props), "--dir", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"✓ orders-src → {out}/orders-src.yaml",
        f"✓ db → {out}/db.yaml",
        "Set these variables before `kconnect plan`/`apply` (values not shown):",
        "  DB_DATABASE_PASSWORD",
    ]
    db = (out / "db.yaml").read_text()
    assert "canary" not in db + result.output
    assert db.startswith("# Converted by `kconnect convert`.\n")
    assert "  database.password: ${DB_DATABASE_PASSWORD}\n" in db
    assert "  topic.prefix: $${NOT_A_VAR}\n" in db  # literal for Connect, so kept literal
    assert "  database.hostname: ${file:/etc/db.properties:host}\n" in db
    [orders] = load_manifests([str(out / "orders-src.yaml")], {})
    [original] = load_manifests([str(json_file)], {})
    assert orders.config == original.config
    [converted_db] = load_manifests([str(out / "db.yaml")], {"DB_DATABASE_PASSWORD": "pw"})
    assert converted_db.config["topic.prefix"] == "${NOT_A_VAR}"

    again = cli("convert", str(json_file), "--dir", str(out))
    assert again.exit_code == 1
    assert "already exist(s); use --force to overwrite" in again.stderr


def test_convert_to_stdout_and_its_errors(cli: CliRunner, tmp_path: Path) -> None:
    props = write_manifest(tmp_path, "a.properties", STANDALONE)
    result = cli("convert", str(props), "--dir", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Converted by `kconnect convert`.\nname: local-file-source\n")
    yaml_file = write_manifest(tmp_path, "a.yaml", "name: a\nconfig: {}\n")
    refused = cli("convert", str(yaml_file), "--dir", "-")
    assert refused.exit_code == 1
    assert "YAML is already a kconnect manifest" in refused.stderr
    bad = write_manifest(tmp_path, "b.json", '{"name": "b", "config": {"x": [1]}}\n')
    dup = write_manifest(tmp_path, "c.properties", "name=local-file-source\nx=1\n")
    failed = cli("convert", str(bad), str(props), str(dup), "--dir", "-")
    assert failed.exit_code == 1
    assert "x: a null, a list or an object is not a config value" in failed.stdout + failed.stderr
    assert "declared twice" in failed.stdout + failed.stderr


def test_a_saved_plan_next_to_the_manifests_is_skipped_with_a_note(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "a.json", CURL_JSON)
    env = {"KCONNECT_URL": fake.url}
    made = cli("plan", str(tmp_path), "--out", str(tmp_path / "plan.json"), env=env)
    assert made.exit_code == 0, made.output
    result = cli("validate", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"{tmp_path}/plan.json:1: note: skipped a saved plan" in result.stdout


@pytest.mark.parametrize(
    ("filename", "text", "expected"),
    [
        (
            "dup.properties",
            f"name=x\nconnector.class={SOURCE}\ntopic=a\ntopic=b\n",
            "dup.properties:4: error: duplicate key 'topic' in config (first at line 3)",
        ),
        (
            "dup.json",
            f'{{"name": "x", "config": {{"connector.class": "{SOURCE}",\n'
            '  "topic": "a",\n  "topic": "b"}}\n',
            "dup.json:3: error: duplicate key 'topic' in config (first at line 2)",
        ),
        (
            "renamed.json",
            f'{{"name": "x",\n "config": {{"connector.class": "{SOURCE}",\n  "name": "y"}}}}\n',
            "renamed.json:3: error: config.name 'y' differs from the manifest name 'x'",
        ),
    ],
)
def test_convert_refuses_what_validate_refuses_and_writes_nothing(
    cli: CliRunner, tmp_path: Path, filename: str, text: str, expected: str
) -> None:
    """Converting must not pick one of two values (Java keeps the last silently) or one of
    two names: the user says which, as `validate` asks."""
    source = write_manifest(tmp_path / "in", filename, text)
    out = tmp_path / "out"
    assert cli("validate", str(source)).exit_code == 1
    result = cli("convert", str(source), "--dir", str(out))
    assert result.exit_code == 1
    assert f"{source.parent}/{expected}" in result.output
    assert not out.exists()


def test_convert_writes_kconnect_yaml_sensitive_keys_as_placeholders(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `export` does: a key kconnect.yaml calls sensitive is a secret whatever its name, so
    its value is neither written to the manifest nor printed."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "kconnect.yaml").write_text("sensitive_keys:\n  'orders-*': [transforms.a.route]\n")
    source = write_manifest(
        tmp_path,
        "orders.json",
        f'{{"name": "orders-src", "config": {{"connector.class": "{SOURCE}", "topic": "t",\n'
        '  "transforms.a.route": "canary-route-Q7"}}\n',
    )
    monkeypatch.chdir(tmp_path)
    result = cli("convert", str(source), "--dir", "-")
    assert result.exit_code == 0, result.output
    assert "canary-route-Q7" not in result.output
    assert "  transforms.a.route: ${ORDERS_SRC_TRANSFORMS_A_ROUTE}\n" in result.stdout
    assert "  ORDERS_SRC_TRANSFORMS_A_ROUTE" in result.stderr


def test_convert_reads_a_get_connector_answer_saved_with_curl(
    cli: CliRunner, tmp_path: Path
) -> None:
    """`curl …/connectors/orders-src > orders.json` also holds `type` and `tasks`: not a
    manifest for `validate`, but convert writes only the name and the config."""
    saved = write_manifest(
        tmp_path,
        "orders.json",
        f'{{"name": "orders-src", "config": {{"connector.class": "{SOURCE}", "topic": "t",\n'
        '  "name": "orders-src"}, "tasks": [{"connector": "orders-src", "task": 0}],\n'
        '  "type": "source"}\n',
    )
    result = cli("convert", str(saved), "--dir", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(
        f"name: orders-src\nconfig:\n  connector.class: {SOURCE}\n  topic: t\n"
    )
