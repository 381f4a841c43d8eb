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
    # -- names the worker would not store or address as written (#11) --
    "name-leading-space": (
        'name: " pad"\nconfig:\n  connector.class: X\n',
        "1: connector name ' pad' has leading or trailing whitespace; the worker trims spaces "
        "on create and would store 'pad'",
    ),
    "name-trailing-space-from-env": (
        "name: ${NAME_WITH_SPACE:-pad }\nconfig:\n  connector.class: X\n",
        "1: connector name 'pad ' has leading or trailing whitespace",
    ),
    "name-nbsp": (
        'name: "a\\u00a0"\nconfig:\n  connector.class: X\n',
        "1: connector name 'a\\xa0' has leading or trailing whitespace; the whitespace is "
        "invisible wherever the name is shown",
    ),
    "name-dot": (
        "name: '.'\nconfig:\n  connector.class: X\n",
        "1: connector name '.' is a URL dot segment: /connectors/. is rewritten before it "
        "reaches the worker, so the connector could not be addressed",
    ),
    "name-dot-dot": (
        "name: '..'\nconfig:\n  connector.class: X\n",
        "1: connector name '..' is a URL dot segment",
    ),
    "name-percent": (
        "name: a%41\nconfig:\n  connector.class: X\n",
        "1: connector name 'a%41' contains '%', which Connect 4.x cannot address over REST",
    ),
    "name-backslash": (
        "name: 'a\\b'\nconfig:\n  connector.class: X\n",
        "1: connector name 'a\\\\b' contains '\\', which Connect 4.x cannot address over REST",
    ),
    "name-too-long": (
        f"name: {'é' * 700}\nconfig:\n  connector.class: X\n",
        "1: connector name is 4200 characters long once URL-encoded; the worker cannot "
        "address names above 4000",
    ),
    "class-empty": (
        "name: a\nconfig:\n  connector.class: ''\n",
        "3: connector.class must not be empty",
    ),
    "class-blank": (
        "name: a\nconfig:\n  connector.class: '  '\n",
        "3: connector.class must not be empty",
    ),
    "class-interpolates-to-empty": (
        "name: a\nconfig:\n  connector.class: ${NO_SUCH_CLASS_VAR:-}\n",
        "3: connector.class must not be empty",
    ),
    "class-block-scalar-newline": (
        "name: a\nconfig:\n  connector.class: |\n    X\n",
        "3: connector.class 'X\\n' has leading or trailing whitespace (a '|' block adds a "
        "trailing newline; use a plain scalar); the worker would not find the plugin",
    ),
    "class-surrounding-space": (
        "name: a\nconfig:\n  connector.class: ' X'\n",
        "3: connector.class ' X' has leading or trailing whitespace",
    ),
    # -- interpolation: never half-interpolated --
    "interpolation-unterminated": (
        HEADER + "  topic: pre-${VAR\n",
        "4: topic: unterminated '${' at column 5 (write $${ for a literal ${)",
    ),
    "interpolation-unterminated-default": (
        HEADER + "  topic: ${A:-x\n",
        "4: topic: unterminated '${' at column 1",
    ),
    "interpolation-empty": (
        HEADER + "  topic: ${}\n",
        "4: topic: empty '${}' at column 1 (write $${} for a literal ${})",
    ),
    "interpolation-bad-name": (
        HEADER + "  topic: ${1FOO}\n",
        "4: topic: invalid variable name '1FOO' in '${…}' at column 1: a name is letters, "
        "digits and '_', not starting with a digit (write $${ for a literal ${)",
    ),
    "interpolation-nested-unset": (
        HEADER + "  topic: ${NOPE_A:-${NOPE_B}}\n",
        "4: topic: environment variable NOPE_B is not set",
    ),
    "interpolation-in-name": ("name: ${\nconfig:\n  connector.class: X\n", "1: unterminated '${'"),
    # -- YAML tags and list joins --
    "tag-python": (
        HEADER + "  topic: !!python/object/apply:os.system [echo]\n",
        "4: YAML tag !!python/object/apply:os.system is not allowed: manifests hold plain "
        "strings, lists and mappings",
    ),
    "tag-local": (HEADER + "  topic: !foo t\n", "4: YAML tag !foo is not allowed"),
    "tag-binary": (HEADER + "  topic: !!binary aGk=\n", "4: YAML tag !!binary is not allowed"),
    "tag-directive": (
        "%TAG !e! tag:example.com,2000:\n---\n" + HEADER + "  topic: !e!t t\n",
        "6: YAML tag !<tag:example.com,2000:t> is not allowed",
    ),
    "tag-on-name": (
        "name: !!set {a}\nconfig:\n  connector.class: X\n",
        "1: YAML tag !!set is not allowed",
    ),
    "merge-key": (
        HEADER + "  <<: {topic: t}\n",
        "4: merge keys ('<<') are not supported; write each key out",
    ),
    "list-item-with-comma": (
        HEADER + "  topics: ['x,y', z]\n",
        "4: topics: list item 1 contains a comma, which joining the list with commas "
        "would make ambiguous; write the whole value as one string",
    ),
    "list-item-empty": (
        HEADER + "  topics:\n    - x\n    - ''\n",
        "6: topics: list items must not be empty",
    ),
    # -- text that is not plain YAML text --
    "control-character": (
        HEADER + "  topic: a\x07b\n",
        "4: invalid YAML: character U+0007 at column 11 is not allowed (control characters "
        "are not allowed)",
    ),
    "tab-indent": (
        "name: a\nconfig:\n\tconnector.class: X\n",
        "3: invalid YAML: while scanning for the next token found character that cannot start "
        "any token (YAML indents with spaces; this line holds a tab)",
    ),
    "cr-only-line-endings": (
        "name: a\rconfig:\r  topic: t\r",
        "2: config has no 'connector.class'",
    ),
    "document-marker-only": ("---\n", "1: file holds no manifest"),
    "strimzi-class-block-scalar": (
        "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaConnector\nmetadata:\n  name: s\n"
        "  labels:\n    strimzi.io/cluster: c\nspec:\n  class: |\n    X\n  config: {}\n",
        "8: spec.class 'X\\n' has leading or trailing whitespace",
    ),
    "strimzi-class-empty": (
        "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaConnector\nmetadata:\n  name: s\n"
        "spec:\n  class: ''\n",
        "6: spec.class must not be empty",
    ),
    "empty-documents": ("---\n---\n...\n", "1: file holds no manifest"),
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
        f"{second}:1: error: connector 'same' is declared twice (also at {first}:1)"
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
    assert f"no *.yaml, *.yml, *.json or *.properties files in {tmp_path}" in result.stdout


def test_missing_path(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("validate", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert f"no such file or directory: {tmp_path / 'nope'}" in result.stdout


def test_stdin(cli: CliRunner) -> None:
    result = cli("validate", "-", stdin=file_source("from-stdin"))
    assert result.exit_code == 0, result.output
    bad = cli("validate", "-", stdin="name: x\nconfig:\n  topic: t\n")
    assert "<stdin>:2: error: config has no 'connector.class'" in bad.stdout


# -- bad bytes and odd paths: a clear error naming the input, never a traceback -------------


MANIFEST = "name: a\nconfig:\n  connector.class: X\n  topic: café\n"

BAD_BYTES = {
    "latin-1": (
        MANIFEST.encode("latin-1"),
        "4: not valid UTF-8: byte 0xE9 at column 13 (byte offset 49); save the file as UTF-8",
    ),
    "nul-byte": (
        b"name: a\nconfig:\n  connector.class: X\n  topic: t\x00\n",
        "4: NUL byte at column 11 (byte offset 47); text files hold none "
        "(a UTF-16 file needs a byte-order mark)",
    ),
    "utf-16-without-bom": (
        MANIFEST.encode("utf-16-le"),
        "1: NUL byte at column 2 (byte offset 1); text files hold none "
        "(a UTF-16 file needs a byte-order mark)",
    ),
    "nul-in-utf-16": (
        "name: a\x00\n".encode("utf-16"),
        "1: NUL character at column 8 (byte offset 16); text files hold none",
    ),
    "utf-16-truncated": (
        MANIFEST.encode("utf-16") + b"\x00",
        "5: not valid UTF-16-LE: byte 0x00 at column 1 (byte offset 104); the file is not "
        "utf-16-le",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_BYTES))
def test_bytes_that_are_not_text_are_reported_at_their_line(
    case: str, cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    data, expected = BAD_BYTES[case]
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    line, _, message = expected.partition(": ")
    for args, where in (((str(tmp_path),), str(path)), (("-",), "<stdin>")):
        result = cli("apply", *args, "--yes", env={"KCONNECT_URL": fake.url}, stdin=data)
        assert result.exit_code == 1, result.output
        assert f"{where}:{line}: error: {message} [manifest/encoding]" in result.stderr
        assert "Traceback" not in result.output
    assert fake.requests == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_files_with_a_byte_order_mark_are_read(
    encoding: str, cli: CliRunner, tmp_path: Path
) -> None:
    data = MANIFEST.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    (tmp_path / "m.yaml").write_bytes(data)
    [manifest] = load_manifests([str(tmp_path)], {})
    assert dict(manifest.config) == {"connector.class": "X", "topic": "café"}


def test_env_file_that_is_not_utf8_names_file_and_line(cli: CliRunner, tmp_path: Path) -> None:
    env_file = tmp_path / "vars.env"
    env_file.write_bytes(b"A=1\nB=caf\xe9\n")
    write_manifest(tmp_path / "m", "a.yaml", file_source("a"))
    result = cli("validate", str(tmp_path / "m"), "--env-file", str(env_file))
    assert result.exit_code == 1
    assert (
        f"error: {env_file}:2: env file: not valid UTF-8: byte 0xE9 at column 6 (byte offset 9)"
        in result.stderr
    )
    assert "Traceback" not in result.output


def test_paths_too_long_for_the_os_are_errors(cli: CliRunner, tmp_path: Path) -> None:
    long = str(tmp_path / ("x" * 5000))
    result = cli("validate", long)
    assert result.exit_code == 1
    shown = f"{long[:60]}…{long[-40:]}"
    assert f"{shown}:0: error: cannot read path: File name too long" in result.stdout
    env = cli("validate", str(tmp_path), "--env-file", long)
    assert env.exit_code == 1
    assert "cannot read env file: File name too long" in env.stderr
    assert "Traceback" not in result.output + env.output


def test_fifo_dev_stdin_and_process_substitution_are_read_as_files(
    cli: CliRunner, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    fifo = tmp_path / "m.fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(
        [sys.executable, "-c", f"open({str(fifo)!r}, 'w').write({file_source('fifo')!r})"]
    )
    result = cli("validate", str(fifo), "-o", "json")
    writer.wait(timeout=10)
    assert result.exit_code == 0, result.output
    # /dev/stdin and `<(…)` (a /dev/fd/N pipe), through a real shell and the real command.
    script = (
        f"printf %s {_sh(file_source('piped'))} | kconnect validate /dev/stdin && "
        f"kconnect validate <(printf %s {_sh(file_source('substituted'))})"
    )
    shell = subprocess.run(
        ["bash", "-c", script],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    assert shell.returncode == 0, shell.stdout + shell.stderr
    assert shell.stdout.count("1 connector(s) checked: 0 error(s)") == 2


def _sh(text: str) -> str:
    import shlex

    return shlex.quote(text)


def test_unreadable_entries_in_a_manifest_directory_are_errors(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    import os

    root = tmp_path / "connectors.d"
    write_manifest(root, "good.yaml", file_source("good"))
    os.symlink("moved-away.yaml", root / "gone.yaml")
    os.symlink("self.yaml", root / "self.yaml")
    os.symlink("loop-b", root / "loop-a")
    os.symlink("loop-a", root / "loop-b")
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "up")
    os.symlink("no-such-thing", root / "README")  # dangling, but not a manifest: ignored
    result = cli("apply", str(root), "--prune", "--yes", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:5] == [
        f"{root}/gone.yaml:0: error: broken symlink: {root}/gone.yaml [manifest/unreadable]",
        f"{root}/loop-a:0: error: symlink loop: {root}/loop-a [manifest/unreadable]",
        f"{root}/loop-b:0: error: symlink loop: {root}/loop-b [manifest/unreadable]",
        f"{root}/self.yaml:0: error: symlink loop: {root}/self.yaml [manifest/unreadable]",
        f"{root}/sub/up:0: error: symlink loop: {root}/sub/up leads back to a directory "
        "already read [manifest/symlink-loop]",
    ]
    assert fake.requests == []
    direct = cli("validate", str(root / "gone.yaml"))
    assert f"{root}/gone.yaml:0: error: broken symlink: {root}/gone.yaml" in direct.stdout


def test_nested_defaults_and_provider_references(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        HEADER
        + "  a: ${NOPE_1:-${NOPE_2:-inner}}\n"
        + "  b: ${NOPE_1:-${SET}}\n"
        + "  c: ${SET:-${NOPE_2}}\n"  # a default is expanded only when used
        + "  d: ${NOPE_1:-${file:/etc/kafka/secrets.properties:db.password}}\n"
        + "  e: ${env:DB_PASSWORD}\n"
        + "  f: ${secrets:ns/name:key}\n"
        + "  g: ${vault.prod:secret/data/db:password}\n"
        + "  h: $${1FOO} and $${}\n",
        {"SET": "set"},
    )
    assert config == {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "a": "inner",
        "b": "set",
        "c": "set",
        "d": "${file:/etc/kafka/secrets.properties:db.password}",
        "e": "${env:DB_PASSWORD}",
        "f": "${secrets:ns/name:key}",
        "g": "${vault.prod:secret/data/db:password}",
        "h": "${1FOO} and ${}",
    }


def test_anchors_and_aliases_are_plain_values(tmp_path: Path) -> None:
    text = "name: a\nconfig: &base\n  connector.class: X\n  topic: &t shared\n  other: *t\n"
    assert _load(tmp_path, text) == {"connector.class": "X", "topic": "shared", "other": "shared"}
