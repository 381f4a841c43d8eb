"""Hostile input (issue 23, sections 4 and 5): nothing a user can write takes minutes, and bad
input gets a clear error at its line, a usage exit code and no request to the worker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from kconnect.output.redaction import redact_text, url_passwords
from tests.conftest import CliRunner, write_manifest
from tests.fakeconnect import FakeConnect

CLASS = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def _manifest(directory: Path, config: dict[str, object], name: str = "big") -> Path:
    text = yaml.safe_dump(
        {"name": name, "config": {"connector.class": CLASS, "tasks.max": 1, **config}},
        width=10**9,
    )
    return write_manifest(directory, f"{name}.yaml", text)


# -- section 4: every check is linear in its input -----------------------------------------------
#
# Times are CPU times of this process: the machine running the tests may be busy.

# Values that made a check quadratic: the URL-password lint's unanchored scheme, runs of
# unclosed `${`, of backslashes, of `password="`, of PEM BEGIN lines without an END, …
LARGE_VALUES = {
    "scheme-like run": "a." * 150_000 + "://x",
    "letters": "a" * 300_000,
    "url user info run": "a://a:" * 50_000,
    "unclosed references": "$${" * 100_000,
    "backslashes": "\\" * 300_000 + '"',
    "jaas passwords": 'password="' * 30_000,
    "invalid value": "Invalid value " * 20_000,
    "pem begins": "-----BEGIN PRIVATE KEY-----" * 10_000,
    "escaped json pairs": '\\"db.password\\": \\"' * 10_000,
    "xml entries": '<entry key="db.password">' * 20_000,
    "one megabyte of map entries": "a.password=x, " * 70_000 + "b=" + "y" * 19_998,
}


@pytest.mark.parametrize("kind", sorted(LARGE_VALUES))
def test_large_values_validate_quickly(cli: CliRunner, tmp_path: Path, kind: str) -> None:
    value = LARGE_VALUES[kind]
    assert 100_000 <= len(value) <= 1_000_000
    directory = tmp_path / "c"
    _manifest(directory, {"topic": "t", "file": "/tmp/x", "a.url": value, "b.password": value})
    started = time.process_time()
    result = cli("validate", str(directory))
    took = time.process_time() - started
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1), result.output
    assert took < 1.0, f"{kind}: validate took {took:.1f}s"


@pytest.mark.parametrize("kind", sorted(LARGE_VALUES))
def test_redaction_and_url_scan_are_linear(kind: str) -> None:
    def cost(size: int) -> float:
        text = (LARGE_VALUES[kind] * 10)[:size]
        started = time.process_time()
        redact_text(text)
        url_passwords(text)
        return time.process_time() - started

    small, large = cost(100_000), cost(800_000)
    # eight times the text: well under sixty-four times the time (quadratic would be 64×)
    assert large < 0.5 or large < 20 * small, (kind, small, large)


def test_alias_expansion_is_bounded(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    directory = tmp_path / "c"
    big = "x" * 100_000
    write_manifest(
        directory,
        "bomb.yaml",
        f"name: bomb\nconfig:\n  connector.class: {CLASS}\n  tasks.max: 1\n  file: /tmp/x\n"
        f"  topic: &big {big}\n  topics.list: [{', '.join(['*big'] * 5000)}]\n",
    )
    for args in (("validate",), ("plan",), ("apply", "--yes")):
        started = time.process_time()
        result = cli(*args, str(directory), env={"KCONNECT_URL": fake.url})
        assert time.process_time() - started < 2.0
        assert result.exit_code == 1, result.output
        assert (
            "bomb.yaml:1: error: YAML aliases expand this document to over 476.9 MB "
            "(limit 1.2 MB): the value at line 6 is repeated 5001 times; write the values out "
            "instead of repeating an anchor"
        ) in result.output
    assert fake.requests == [] or all(r.method == "GET" for r in fake.requests)
    assert not [r for r in fake.requests if r.method != "GET"]


def test_billion_laughs(cli: CliRunner, tmp_path: Path) -> None:
    lines = [
        "name: lol",
        "config:",
        f"  connector.class: {CLASS}",
        '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    lines += [f"  a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    write_manifest(tmp_path / "c", "lol.yaml", "\n".join(lines) + "\n")
    started = time.process_time()
    result = cli("validate", str(tmp_path / "c"))
    assert time.process_time() - started < 2.0
    assert result.exit_code == 1
    assert "lol.yaml:1: error: YAML aliases expand this document to over" in result.output


def test_reuse_of_an_anchor_is_still_allowed(cli: CliRunner, tmp_path: Path) -> None:
    write_manifest(
        tmp_path / "c",
        "reuse.yaml",
        f"name: reuse\nconfig:\n  connector.class: {CLASS}\n  tasks.max: 1\n"
        "  file: &f /tmp/x\n  topic: t\n  a.x: *f\n  b.x: *f\n",
    )
    result = cli("validate", str(tmp_path / "c"))
    assert "aliases expand" not in result.output


# -- section 5: bad input, refused before any request ----------------------------------------


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (("delete", "..", "--yes"), "connector name '..' is a URL dot segment"),
        (("restart", ".."), "connector name '..' is a URL dot segment"),
        (("pause", "."), "connector name '.' is a URL dot segment"),
        (("resume", "ok", "."), "connector name '.' is a URL dot segment"),
        (("stop", "a/b"), "connector name 'a/b' contains '/'"),
        (("delete", "", "--yes"), "connector name must not be empty"),
        (("describe", "50%"), "connector name '50%' contains '%'"),
        (("status", " x"), "connector name ' x' has leading or trailing whitespace"),
        (("export", "..", "--dir", "out"), "connector name '..' is a URL dot segment"),
        (("offsets", "get", "a\\b"), "connector name 'a\\\\b' contains '\\'"),
        (("restart", "a\nb"), "connector name 'a\\nb' contains control characters"),
    ],
)
def test_names_on_the_command_line_are_checked_before_any_request(
    cli: CliRunner, fake: FakeConnect, args: tuple[str, ...], why: str
) -> None:
    fake.add_connector("ok", {"connector.class": CLASS, "topic": "t"})
    result = cli(*args, env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 64, result.output
    assert why in result.stderr
    assert "Traceback" not in result.output
    assert fake.requests == []


def test_an_existing_lookalike_can_still_be_addressed(cli: CliRunner, fake: FakeConnect) -> None:
    # created by another tool: kconnect must be able to remove it
    fake.add_connector("x\u200by", {"connector.class": CLASS, "topic": "t"})
    result = cli("delete", "x\u200by", "--yes", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 0, result.output
    assert fake.connector_names() == []


def _named(directory: Path, filename: str, name: str) -> None:
    write_manifest(
        directory,
        filename,
        yaml.safe_dump(
            {"name": name, "config": {"connector.class": CLASS, "topic": "t", "file": "/x"}},
            allow_unicode=True,
            sort_keys=False,
        ),
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("x\u202eyz", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("x\u200by", "U+200B (ZERO WIDTH SPACE)"),
        ("\ufeffx", "U+FEFF (ZERO WIDTH NO-BREAK SPACE)"),
        ("x\u2066y", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
        ("x\u00a0y", "U+00A0 (NO-BREAK SPACE)"),
        ("x\u3164", "U+3164 (HANGUL FILLER)"),
    ],
)
def test_invisible_and_bidi_characters_in_manifest_names(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, name: str, shown: str
) -> None:
    _named(tmp_path / "m", "a.yaml", name)
    for args in (("validate",), ("apply", "--yes")):
        result = cli(*args, str(tmp_path / "m"), env={"KCONNECT_URL": fake.url})
        assert result.exit_code == 1, result.output
        assert f"a.yaml:1: error: connector name {name!r} contains {shown}" in result.output
    assert [r for r in fake.requests if r.method != "GET"] == []


def test_two_names_in_two_normalisation_forms(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    _named(tmp_path / "m", "a.yaml", "caf\u00e9")
    _named(tmp_path / "m", "b.yaml", "cafe\u0301")
    result = cli("apply", str(tmp_path / "m"), "--yes", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 1
    assert (
        "b.yaml:1: error: connector 'cafe\u0301' and 'caf\u00e9' at "
        f"{tmp_path / 'm' / 'a.yaml'}:1 are the same name written with different Unicode code "
        "points"
    ) in result.output
    assert fake.requests == []


def test_a_manifest_name_in_another_form_than_the_live_one(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("cafe\u0301", {"connector.class": CLASS, "topic": "t", "file": "/x"})
    _named(tmp_path / "m", "a.yaml", "caf\u00e9")
    for args in (("plan",), ("apply", "--yes")):
        result = cli(*args, str(tmp_path / "m"), env={"KCONNECT_URL": fake.url})
        assert result.exit_code == 1, result.output
        assert (
            "a.yaml:1: error: connector 'caf\u00e9' and the connector 'cafe\u0301' on the cluster "
            "are the same name written with different Unicode code points"
        ) in result.output
    assert [r for r in fake.requests if r.method != "GET"] == []
    assert fake.connector_names() == ["cafe\u0301"]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('T="abc', 'T: unterminated double quote ("): values are one line; close the quote'),
        ("T='abc", "T: unterminated single quote ('): values are one line; close the quote"),
        ("T=ab${X", "T: unterminated '${' at column 3 (single-quote the value for a literal ${)"),
        ('T="ab${X"', "T: unterminated '${' at column 3"),
        ('T="a" b', "T: unexpected text after the closing quote"),
        ('T="', 'T: unterminated double quote ("'),
    ],
)
def test_env_file_errors_at_their_line(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, line: str, why: str
) -> None:
    write_manifest(
        tmp_path / "m",
        "a.yaml",
        f"name: a\nconfig:\n  connector.class: {CLASS}\n  topic: ${{T}}\n  file: /x\n",
    )
    env_file = tmp_path / "vars.env"
    env_file.write_text(f"# vars\n\nOTHER=1\n{line}\n")
    for command in ("validate", "plan", "apply"):
        result = cli(
            command,
            str(tmp_path / "m"),
            "--env-file",
            str(env_file),
            env={"KCONNECT_URL": fake.url},
        )
        assert result.exit_code == 1, result.output
        assert f"{env_file}:4: {why}" in result.output
        assert "abc" not in result.output  # an env file holds secrets: values are not quoted
    assert fake.requests == []


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ('T="a\\"b" # comment', 'a"b'),
        ("T='a${b'", "a${b"),
        ("T=a # comment", "a"),
        ("T=${X}", "${X}"),
        ('T="x"', "x"),
    ],
)
def test_env_file_values_still_read(tmp_path: Path, line: str, value: str) -> None:
    from kconnect.manifests.interpolate import read_env_file

    env_file = tmp_path / "vars.env"
    env_file.write_text(line + "\n")
    assert read_env_file(env_file) == {"T": value}


def test_utf16_env_file(cli: CliRunner, tmp_path: Path) -> None:
    from kconnect.manifests.interpolate import read_env_file

    env_file = tmp_path / "vars.env"
    env_file.write_bytes("A=1\nT=abc\n".encode("utf-16-le"))  # no byte-order mark
    result = cli("validate", str(tmp_path), "--env-file", str(env_file))
    assert result.exit_code == 1
    assert f"{env_file}:1: env file: NUL byte at column 2" in result.output
    env_file.write_bytes("A=1\nT=abc\n".encode("utf-16"))  # with one: read as the text it is
    assert read_env_file(env_file) == {"A": "1", "T": "abc"}


@pytest.mark.parametrize(
    ("tail", "line"),
    [
        ("  bad: [unclosed\n", 5),
        ('  bad: "unclosed\n', 5),
        ("  bad: {a: b\n", 5),
        ("  bad: [unclosed", 5),
        ("  bad: : x\n", 5),
    ],
)
def test_yaml_error_on_the_last_line_is_reported_at_it(
    cli: CliRunner, tmp_path: Path, tail: str, line: int
) -> None:
    head = f"name: a\nconfig:\n  connector.class: {CLASS}\n  tasks.max: 1\n"
    # in a folder named like a manifest, after a large file
    folder = tmp_path / "x.yaml"
    write_manifest(folder, "a.yaml", head + tail)
    big = head.replace("name: a", "name: big") + "".join(f"  k{i}: v\n" for i in range(200_000))
    write_manifest(folder, "big.yaml", big + tail)
    result = cli("validate", str(folder))
    assert result.exit_code == 1
    assert f"{folder / 'a.yaml'}:{line}: error: invalid YAML" in result.output
    assert f"{folder / 'big.yaml'}:{line + 200_000}: error: invalid YAML" in result.output


@pytest.mark.parametrize("regex", ["(a+)+b", "([a-z]+)*$z", "(.*)*x", "(a|b+)*c"])
def test_catastrophic_user_regexes_are_not_run_offline(regex: str) -> None:
    # a sink's topics.regex that repeats a repetition, against a source's 40-letter topic
    # prefix: a backtracking matcher takes 2^40 steps; the pipeline check answers "maybe"
    from kconnect.validate.lint import lint_pipeline
    from kconnect.validate.lint.regex import backtracking_risk
    from tests.test_lint import sink, source

    assert backtracking_risk(regex)
    src = source(topic_prefix="a" * 40, database_include_list="db", table_include_list="db.t")
    started = time.process_time()
    lint_pipeline([src, sink(topics="<unset>", topics_regex=regex)])
    assert time.process_time() - started < 1.0


@pytest.mark.parametrize("regex", ["mingle\\.mydb\\..*", "a*b*", "(x|y)", "[a-z]+\\.(t1|t2)"])
def test_ordinary_regexes_are_still_run(regex: str) -> None:
    from kconnect.validate.lint.regex import backtracking_risk, bounded_fullmatch

    assert not backtracking_risk(regex)
    assert bounded_fullmatch(regex, "zzz") is False
