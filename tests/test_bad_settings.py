"""Bad connection settings (issue 23, §5): an empty or invalid URL from any source, numbers
that are not numbers, environment values kconnect reads, unknown contexts and broken contexts
files are errors naming their source (and file:line) before any request — never a fall-back
to another cluster, never a traceback, never 18 s of retries of something never sent."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import CliRunner, file_source, write_manifest
from tests.fakeconnect import FakeConnect

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def _config(name: str) -> dict[str, str]:
    return {"connector.class": SOURCE, "tasks.max": "1", "topic": "t", "file": f"/tmp/{name}"}


def _no_traceback(output: str) -> None:
    assert "Traceback" not in output


# -- the URL ------------------------------------------------------------------------------


def test_an_empty_url_flag_never_falls_back_to_another_cluster(
    cli: CliRunner, fake: FakeConnect
) -> None:
    fake.add_connector("orders", _config("orders"))
    fake.clear_requests()
    result = cli("delete", "orders", "--yes", "--url", "", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 64
    assert (
        'error: --url is empty (an unset variable in --url "$VAR"?): it must be the worker\'s '
        "URL, like http://connect:8083"
    ) in result.stderr
    assert fake.requests == []
    assert fake.connector_names() == ["orders"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:99999", "'http://127.0.0.1:99999' is not a usable URL: its port must"),
        ("http://127.0.0.1:0", "is not a usable URL: its port must be a number from 1 to 65535"),
        ("http://127.0.0.1:80x", "'http://127.0.0.1:80x' is not a usable URL: its port must"),
        ("127.0.0.1:8083", "'127.0.0.1:8083' has no scheme: write http://127.0.0.1:8083"),
        ("ftp://127.0.0.1:8083", "the scheme must be http:// or https://, not ftp://"),
        ("http://[::1:8083", "'http://[::1:8083' is not a usable URL: Invalid IPv6 URL"),
        ("http://", "'http://' is not a usable URL: it names no host"),
        ("http://host:8083/?a=b", "it must not hold a query (?…) or a fragment (#…)"),
        ("http://connect :8083", "contains spaces or control characters"),
        ("http://ops:s3cr3t@[::1", "'http://***@[::1' is not a usable URL"),
    ],
)
def test_an_invalid_url_flag_is_a_usage_error_before_any_request(
    cli: CliRunner, url: str, message: str
) -> None:
    start = time.monotonic()
    result = cli("status", "--url", url)
    assert time.monotonic() - start < 3  # no retries of something that cannot be sent
    assert result.exit_code == 64, result.output
    assert f"error: --url {message}" in result.stderr or message in result.stderr
    assert "s3cr3t" not in result.output
    _no_traceback(result.output)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "KCONNECT_URL is empty: it must be the worker's URL"),
        ("http://127.0.0.1:8083 ", "KCONNECT_URL 'http://127.0.0.1:8083 ' contains spaces"),
        ("http://127.0.0.1:9 x", "KCONNECT_URL 'http://127.0.0.1:9 x' contains spaces"),
        ("http://[::1", "KCONNECT_URL 'http://[::1' is not a usable URL: Invalid IPv6 URL"),
    ],
)
def test_an_invalid_kconnect_url_is_an_error_naming_it(
    cli: CliRunner, value: str, message: str
) -> None:
    result = cli("status", env={"KCONNECT_URL": value})
    assert result.exit_code == 1, result.output
    assert f"error: {message}" in result.stderr
    _no_traceback(result.output)


def test_a_context_url_that_is_not_http_names_the_file_and_line(
    cli: CliRunner, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("current-context: prod\ncontexts:\n  prod:\n    url: ftp://connect:21\n")
    result = cli("status", env={"KCONNECT_CONFIG": str(config)})
    assert result.exit_code == 1
    assert (
        f"error: {config}:4: context 'prod': url 'ftp://connect:21' is not a usable URL: the "
        "scheme must be http:// or https://, not ftp://"
    ) in result.stderr


# -- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option", "problem"),
    [
        (["apply", "{m}", "--wait", "--timeout", "nan"], "--timeout", "'nan' is not a finite"),
        (["apply", "{m}", "--timeout", "inf"], "--timeout", "'inf' is not a finite number"),
        (["pause", "a", "--wait", "--timeout", "nan"], "--timeout", "'nan' is not a finite"),
        (["offsets", "reset", "a", "--timeout", "nan"], "--timeout", "'nan' is not a finite"),
        (["reconcile", "{m}", "--once", "--timeout", "nan"], "--timeout", "'nan' is not a"),
        (["status", "--unreachable-timeout", "nan"], "--unreachable-timeout", "'nan' is not a"),
        (
            ["status", "--unreachable-timeout", "0.01"],
            "--unreachable-timeout",
            "'0.01' is out of range: it must be >= 0.1",
        ),
        (["plan", "{m}", "--max-delete-percent", "nan"], "--max-delete-percent", "'nan' is not"),
        (
            ["plan", "{m}", "--max-delete-percent", "101"],
            "--max-delete-percent",
            "'101' is out of range: it must be >= 0 and <= 100",
        ),
    ],
)
def test_a_number_option_that_is_not_a_finite_number_is_a_usage_error(
    cli: CliRunner,
    fake: FakeConnect,
    tmp_path: Path,
    args: list[str],
    option: str,
    problem: str,
) -> None:
    manifests = write_manifest(tmp_path, "a.yaml", file_source("a"))
    argv = [a.replace("{m}", str(manifests)) for a in args]
    result = cli(*argv, env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 64, result.output
    assert f"Invalid value for '{option}': {problem}" in result.output
    assert fake.requests == []


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("KCONNECT_RETRIES", "100000000", "KCONNECT_RETRIES must be at most 100, not '100000000'"),
        ("KCONNECT_RETRIES", "2.5", "KCONNECT_RETRIES must be a whole number, not '2.5'"),
        ("KCONNECT_RETRIES", "nan", "KCONNECT_RETRIES must be a finite number, not 'nan'"),
        ("KCONNECT_TIMEOUT", "nan", "KCONNECT_TIMEOUT must be a finite number, not 'nan'"),
        ("KCONNECT_TIMEOUT", "inf", "KCONNECT_TIMEOUT must be a finite number, not 'inf'"),
        ("KCONNECT_TIMEOUT", "-1", "KCONNECT_TIMEOUT must be positive, not '-1'"),
        ("KCONNECT_RETRY_MAX_SECONDS", "inf", "KCONNECT_RETRY_MAX_SECONDS must be a finite"),
        ("KCONNECT_UNREACHABLE_TIMEOUT", "nan", "KCONNECT_UNREACHABLE_TIMEOUT must be a finite"),
        (
            "KCONNECT_INSECURE",
            "maybe",
            "KCONNECT_INSECURE must be true or false (1/0, yes/no, on/off), not 'maybe'",
        ),
    ],
)
def test_an_invalid_environment_value_is_an_error_naming_the_variable(
    cli: CliRunner, fake: FakeConnect, variable: str, value: str, message: str
) -> None:
    result = cli("status", env={"KCONNECT_URL": fake.url, variable: value})
    assert result.exit_code == 1, result.output
    assert f"error: {message}" in result.stderr
    assert fake.requests == []
    _no_traceback(result.output)


@pytest.mark.parametrize("value", ["0", "false", "No", "off", ""])
def test_kconnect_insecure_reads_the_usual_spellings_of_no(
    cli: CliRunner, fake: FakeConnect, value: str
) -> None:
    result = cli("status", env={"KCONNECT_URL": fake.url, "KCONNECT_INSECURE": value})
    assert result.exit_code == 0, result.output
    assert "verification is disabled" not in result.output


# -- contexts -------------------------------------------------------------------------------

BROKEN_STAGING = """\
current-context: prod
contexts:
  prod:
    url: {url}
  staging:
    url: https://connect.staging:8443
    auth: basic
"""


def test_an_unknown_context_is_named_even_when_another_context_is_broken(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(BROKEN_STAGING.format(url=fake.url))
    env = {"KCONNECT_CONFIG": str(config)}
    for how in (["--context", "prodd"], []):
        extra = {"KCONNECT_CONTEXT": "prodd"} if not how else {}
        result = cli("status", *how, env={**env, **extra})
        assert result.exit_code == 1
        assert f"error: {config}: no context named 'prodd' (defined: prod, staging)" in (
            result.stderr
        )
    result = cli("status", "--context", "staging", env=env)
    assert result.exit_code == 1
    assert f"error: {config}:7: context 'staging': auth: basic needs a username" in result.stderr
    assert fake.requests == []


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "contexts:\n  prod:\n    url: !!binary aHR0cDovL3g=\n",
            3,
            "YAML tag !!binary is not allowed in the config file",
        ),
        (
            "contexts:\n  prod: &p\n    url: http://x\n  dev: *p\n",
            4,
            "YAML aliases ('*p') are not allowed in the config file",
        ),
        (
            "contexts:\n  prod:\n    url: [http://x\n    auth: none\n",
            4,
            "invalid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence at "
            "line 3)",
        ),
        ("contexts:\n  prod:\n    url: http://x\n# caf\xe9\n", 4, "not valid UTF-8 (byte 0xE9)"),
        ("contexts:\n  prod:\n\t  url: http://x\n", 3, "this line holds a tab"),
    ],
)
def test_contexts_file_errors_name_that_file_and_line(
    cli: CliRunner, tmp_path: Path, text: str, line: int, message: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(text.encode("latin-1"))
    result = cli("status", "--context", "prod", env={"KCONNECT_CONFIG": str(config)})
    assert result.exit_code == 1, result.output
    assert f"error: {config}:{line}: " in result.stderr
    assert message in result.stderr
    _no_traceback(result.output)


def test_an_empty_context_never_falls_back_to_the_current_context(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"current-context: prod\ncontexts:\n  prod:\n    url: {fake.url}\n")
    fake.add_connector("orders", _config("orders"))
    fake.clear_requests()
    env = {"KCONNECT_CONFIG": str(config)}
    result = cli("delete", "orders", "--yes", "--context", "", env=env)
    assert result.exit_code == 64
    assert 'error: --context is empty (an unset variable in --context "$VAR"?)' in result.stderr
    result = cli("delete", "orders", "--yes", env={**env, "KCONNECT_CONTEXT": ""})
    assert result.exit_code == 1
    assert "error: KCONNECT_CONTEXT is set but empty" in result.stderr
    assert fake.requests == []
    assert fake.connector_names() == ["orders"]
