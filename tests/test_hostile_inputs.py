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
    assert took < 2.0, f"{kind}: validate took {took:.1f}s"


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
