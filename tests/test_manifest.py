"""Loading manifests: literal values, interpolation, and the bad-input suite.

Every bad input must give a clear file:line error, a non-zero exit, and send nothing to Connect.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kconnect.errors import ManifestError
from kconnect.manifests.interpolate import InterpolationError, interpolate, read_env_file
from kconnect.manifests.loader import load_manifests
from kconnect.manifests.model import TargetState
from tests.conftest import CliRunner, file_source, write_manifest
from tests.fakeconnect import FakeConnect

HEADER = (
    "name: a\nconfig:\n  connector.class: org.apache.kafka.connect.file.FileStreamSourceConnector\n"
)


def _load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> dict[str, str]:
    write_manifest(tmp_path, "m.yaml", text)
    [manifest] = load_manifests([str(tmp_path)], env or {})
    return dict(manifest.config)


def _problems(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    write_manifest(tmp_path, "m.yaml", text)
    with pytest.raises(ManifestError) as raised:
        load_manifests([str(tmp_path)], env or {})
    return [f"{p.location.line if p.location else '-'}: {p.message}" for p in raised.value.problems]


def test_values_are_the_literal_text_written(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        HEADER
        + "  price: 1.50\n  mode: 0755\n  flag: on\n  yes_word: yes\n  t: true\n  big: 12345678901234567890\n"
        + "  sci: 1e3\n  quoted: '007'\n  empty: ''\n  regex: mysql\\.mydb\\..*\n",
    )
    assert config == {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "price": "1.50",
        "mode": "0755",
        "flag": "on",
        "yes_word": "yes",
        "t": "true",
        "big": "12345678901234567890",
        "sci": "1e3",
        "quoted": "007",
        "empty": "",
        "regex": "mysql\\.mydb\\..*",
    }


def test_sequences_become_comma_joined(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        HEADER
        + "  table.include.list:\n    - mydb.post\n    - mydb.user\n  transforms: [unwrap, key]\n",
    )
    assert config["table.include.list"] == "mydb.post,mydb.user"
    assert config["transforms"] == "unwrap,key"


def test_state_and_multiple_documents(tmp_path: Path) -> None:
    write_manifest(
        tmp_path, "m.yaml", file_source("a", state="paused") + "---\n" + file_source("b") + "---\n"
    )
    manifests = load_manifests([str(tmp_path)], {})
    assert [(m.name, m.state) for m in manifests] == [
        ("a", TargetState.PAUSED),
        ("b", TargetState.RUNNING),
    ]


def test_directories_are_read_recursively_and_sorted(tmp_path: Path) -> None:
    write_manifest(tmp_path, "z.yaml", file_source("z"))
    write_manifest(tmp_path, "sub/a.yml", file_source("a"))
    write_manifest(tmp_path, "notes.txt", "not a manifest")
    names = [m.name for m in load_manifests([str(tmp_path)], {})]
    assert names == ["a", "z"]


def test_config_name_must_match(tmp_path: Path) -> None:
    assert _problems(tmp_path, HEADER + "  name: b\n") == [
        "4: config.name 'b' differs from the manifest name 'a'"
    ]
    assert "name" not in _load(tmp_path, HEADER + "  name: a\n")


# -- interpolation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${HOST}", {"HOST": "db"}, "db"),
        ("${HOST:-localhost}", {}, "localhost"),
        ("${HOST:-localhost}", {"HOST": ""}, "localhost"),
        ("${HOST-localhost}", {"HOST": ""}, ""),
        ("jdbc://${HOST}:${PORT:-3306}/x", {"HOST": "h"}, "jdbc://h:3306/x"),
        ("$${HOST}", {"HOST": "db"}, "${HOST}"),
        (
            "${file:/opt/secrets.properties:db.password}",
            {},
            "${file:/opt/secrets.properties:db.password}",
        ),
        ("${env:DB_PASSWORD}", {"env": "x"}, "${env:DB_PASSWORD}"),
        ("$HOST and $ alone", {"HOST": "db"}, "$HOST and $ alone"),
    ],
)
def test_interpolation(text: str, env: dict[str, str], expected: str) -> None:
    assert interpolate(text, env).text == expected


def test_interpolation_errors() -> None:
    with pytest.raises(InterpolationError, match="environment variable HOST is not set"):
        interpolate("${HOST}", {})
    with pytest.raises(InterpolationError, match="HOST: set HOST to the database host"):
        interpolate("${HOST:?set HOST to the database host}", {})


def test_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nexport A=1\nB=\"two words\"\nC='lit $x'\nD=plain # trailing\n\n"
    )
    assert read_env_file(env_file) == {"A": "1", "B": "two words", "C": "lit $x", "D": "plain"}


def test_env_file_via_cli_and_process_env_wins(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "vars.env").write_text("TOPIC=from-file\nOTHER=x\n")
    write_manifest(tmp_path / "m", "a.yaml", file_source("a", topic="${TOPIC}"))
    result = cli(
        "validate", str(tmp_path / "m"), "--env-file", str(tmp_path / "vars.env"), "-o", "json"
    )
    assert result.exit_code == 0, result.output
    missing = cli("validate", str(tmp_path / "m"))
    assert missing.exit_code == 1
    assert (
        f"{tmp_path / 'm' / 'a.yaml'}:5: error: topic: environment variable TOPIC is not set"
        in missing.stdout
    )


# -- the bad-input suite: file:line, non-zero exit, zero requests ---------------------------


BAD_INPUTS = {
    "malformed-yaml": ("name: a\nconfig:\n  topic: [unclosed\n", "invalid YAML"),
    "duplicate-keys": (
        HEADER + "  topic: a\n  topic: b\n",
        "5: duplicate key 'topic' in config (first at line 4)",
    ),
    "duplicate-top-level": (
        "name: a\nname: b\nconfig: {connector.class: X}\n",
        "2: duplicate key 'name' in manifest",
    ),
    "wrong-type-config": ("name: a\nconfig: just-a-string\n", "2: 'config' must be a mapping"),
    "wrong-type-name": (
        "name: [a, b]\nconfig:\n  connector.class: X\n",
        "1: 'name' must be a string",
    ),
    "missing-connector-class": (
        "name: a\nconfig:\n  topic: t\n",
        "2: config has no 'connector.class'",
    ),
    "missing-name": ("config:\n  connector.class: X\n", "1: missing required key 'name'"),
    "unset-variable": (
        HEADER + "  topic: ${NOPE_NOT_SET}\n",
        "4: topic: environment variable NOPE_NOT_SET is not set",
    ),
    "nested-map": (
        HEADER + "  producer:\n    acks: all\n",
        "4: producer: nested mappings are not allowed",
    ),
    "null-value": (HEADER + "  topic:\n", "4: topic: null value"),
    "unknown-top-level-key": (HEADER + "spec: {}\n", "4: unknown top-level key 'spec'"),
    "bad-state": (
        "name: a\nstate: sleeping\nconfig:\n  connector.class: X\n",
        "2: state must be running, paused or stopped",
    ),
    "slash-in-name": (
        "name: a/b\nconfig:\n  connector.class: X\n",
        "1: connector name 'a/b' contains '/'",
    ),
    "control-char-name": (
        'name: "a\\tb"\nconfig:\n  connector.class: X\n',
        "contains control characters",
    ),
    "empty-name": (
        "name: ''\nconfig:\n  connector.class: X\n",
        "1: connector name must not be empty",
    ),
    "empty-file": ("", "1: file holds no manifest"),
    "comments-only": ("# nothing here\n", "file holds no manifest"),
    "list-document": ("- name: a\n", "1: a manifest must be a mapping"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_reported_with_file_and_line_and_sends_nothing(
    case: str, cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    text, expected = BAD_INPUTS[case]
    path = write_manifest(tmp_path, "bad.yaml", text)
    line, sep, message = expected.partition(": ")
    if sep and line.isdigit():
        expected = f"{path}:{line}: error: {message}"
    for command in ("validate", "plan", "apply"):
        fake.clear_requests()
        result = cli(
            command,
            str(tmp_path),
            "--yes" if command == "apply" else "--output=text",
            env={"KCONNECT_URL": fake.url},
        )
        assert result.exit_code == 1, (command, result.output)
        assert expected in result.output
        assert "Traceback" not in result.output
        assert fake.requests == [], f"{command} sent requests for invalid input"


def test_duplicate_connector_names_across_files(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    first = write_manifest(tmp_path, "a.yaml", file_source("same"))
    second = write_manifest(tmp_path, "b.yaml", file_source("same"))
    result = cli("apply", str(tmp_path), "--yes", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 1
    assert (
        f"{second}:2: error: connector 'same' is declared twice (also at {first}:2)"
        in result.stderr
    )
    assert fake.requests == []


def test_one_bad_manifest_blocks_every_write(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "good.yaml", file_source("good"))
    write_manifest(tmp_path, "bad.yaml", "name: bad\nconfig:\n  topic: t\n")
    result = cli("apply", str(tmp_path), "--yes", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 1
    assert "nothing was sent to Connect" in result.stderr
    assert fake.requests == []


def test_every_problem_in_every_file_is_reported_at_once(cli: CliRunner, tmp_path: Path) -> None:
    write_manifest(tmp_path, "a.yaml", "name: a\nconfig:\n  topic: t\n")
    write_manifest(tmp_path, "b.yaml", HEADER + "  x: 1\n  x: 2\n")
    write_manifest(tmp_path, "c.yaml", "name: [\n")
    result = cli("validate", str(tmp_path))
    assert result.exit_code == 1
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        assert f"{tmp_path / name}:" in result.stdout


def test_directory_without_manifests(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("validate", str(tmp_path))
    assert result.exit_code == 1
    assert f"no *.yaml or *.yml files in {tmp_path}" in result.stdout


def test_missing_path(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("validate", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert f"no such file or directory: {tmp_path / 'nope'}" in result.stdout


def test_stdin(cli: CliRunner) -> None:
    result = cli("validate", "-", stdin=file_source("from-stdin"))
    assert result.exit_code == 0, result.output
    bad = cli("validate", "-", stdin="name: x\nconfig:\n  topic: t\n")
    assert "<stdin>:2: error: config has no 'connector.class'" in bad.stdout
