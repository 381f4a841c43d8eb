"""Custom HTTP headers for a gateway or proxy in front of Connect: per context (`headers:`)
and per command (`--header`, `--header-env`), sent with every request, and masked in every
output when they carry a credential."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.fakeconnect import FakeConnect

# Every test here runs over both transports of the client (light and httpx).
pytestmark = pytest.mark.usefixtures("both_transports")

CANARY = "canary-gw-S3cr3t"


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(body)
    return path


def test_context_headers_and_flags_reach_the_worker_on_every_request(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    config = _config(
        tmp_path,
        f"current-context: gw\ncontexts:\n  gw:\n    url: {fake.url}\n"
        "    headers:\n      X-Tenant: team-a\n      X-Api-Key: {env: GW_KEY}\n"
        "      X-Route: blue\n",
    )
    fake.add_connector(
        "a",
        {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "topic": "t",
        },
    )
    fake.clear_requests()
    env = {"KCONNECT_CONFIG": str(config), "GW_KEY": CANARY, "ROUTE_SECRET": "canary-route-tok"}
    result = cli(
        "pause",
        "a",
        "--header",
        "x-route: green",
        "--header-env",
        "X-Route-Token=ROUTE_SECRET",
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert fake.requests
    for request in fake.requests:
        assert request.headers["X-Tenant"] == "team-a"
        assert request.headers["X-Api-Key"] == CANARY
        assert request.headers["X-Route"] == "green"  # the flag overrides the context's
        assert request.headers["X-Route-Token"] == "canary-route-tok"
    assert "canary" not in result.output


def test_credential_headers_are_masked_everywhere(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """The value shows nowhere: context show and list, JSON, -vv logs, errors."""
    config = _config(
        tmp_path,
        f"contexts:\n  gw:\n    url: {fake.url}\n    headers:\n      X-Api-Key: {{env: GW_KEY}}\n",
    )
    env = {"KCONNECT_CONFIG": str(config), "GW_KEY": CANARY, "KCONNECT_CONTEXT": "gw"}
    shown = cli("context", "show", env=env)
    assert shown.exit_code == 0, shown.output
    assert "header:      X-Api-Key: set  (from env GW_KEY (context gw (" in shown.stdout
    as_json = cli("context", "show", "-o", "json", env=env)
    assert as_json.json["data"]["headers"]["X-Api-Key"]["value"] == "set"
    listed = cli("context", "list", "-o", "json", env=env)
    assert listed.json["data"]["contexts"][0]["headers"] == {"X-Api-Key": {"env": "GW_KEY"}}
    fake.add_connector(
        "a",
        {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "topic": "t",
        },
    )
    verbose = cli("status", "nope", "-vv", env=env)
    assert CANARY not in verbose.output
    for args in (("get",), ("status", "-o", "json"), ("describe", "a", "-o", "json")):
        result = cli(*args, "-vv", env=env)
        assert CANARY not in result.output, args


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("    headers:\n      X-Api-Key: plain\n", "carries a credential and must not be written"),
        ("    headers:\n      Authorization: Basic abc\n", "carries a credential"),
        ("    headers:\n      Bad Name: x\n", "not a valid HTTP field name"),
        ("    headers:\n      Host: other\n", "cannot be replaced"),
        ("    headers:\n      X-A: {env: 'my secret'}\n", "env must be the name of an"),
        ("    headers:\n      X-A: {url: x}\n", "takes a value, {env: VAR} or {file: PATH}"),
        ("    headers:\n      X-A: a\n      x-a: b\n", "given twice"),
        (
            "    auth: bearer\n    token_env: T\n    headers:\n      Authorization: {env: A}\n",
            "an Authorization header conflicts with auth: bearer",
        ),
    ],
)
def test_bad_headers_in_the_config_file_are_errors_at_their_line(
    cli: CliRunner, tmp_path: Path, body: str, message: str
) -> None:
    config = _config(tmp_path, "contexts:\n  gw:\n    url: http://x\n" + body)
    result = cli("context", "list", env={"KCONNECT_CONFIG": str(config)})
    assert result.exit_code == 1
    assert f"{config}:" in result.stderr
    assert message in result.stderr
    assert "plain" not in result.stderr and "abc" not in result.stderr
    assert "my secret" not in result.stderr


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--header", "X-Api-Key: canary-flag"), "a credential never comes from a flag"),
        (("--header", "Authorization: Bearer canary-flag"), "a credential never comes from"),
        (("--header", "no colon"), "--header takes 'Name: value'"),
        (("--header", "X-A: line\u0001break"), "control character"),
        # httpx cannot encode it (it was a UnicodeEncodeError traceback); no charset is agreed.
        (("--header", "X-Tenant: caf\u00e9-canary"), "has characters outside ASCII"),
        (("--header", "Content-Type: text/plain"), "cannot be replaced"),
        (("--header-env", "X-A"), "--header-env takes 'Name=VARIABLE'"),
    ],
)
def test_bad_header_flags_are_usage_errors(
    cli: CliRunner, fake: FakeConnect, flags: tuple[str, ...], message: str
) -> None:
    result = cli("get", *flags, env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 64, result.output
    assert message in result.stderr
    assert "canary" not in result.output
    assert fake.requests == []


@pytest.mark.parametrize(
    "token",
    ["t\u00f6k\u00e9n-canary", "canary\r\nX-Injected: 1", "canary\x7f"],
    ids=["utf8", "crlf", "del"],
)
def test_a_token_no_header_can_carry_is_an_error_before_any_request(
    cli: CliRunner, fake: FakeConnect, token: str
) -> None:
    # Sent as `Authorization: Bearer <token>`: a line break would smuggle in a header of its
    # own, and httpx could not encode a non-ASCII one (a traceback, until this check).
    result = cli("get", env={"KCONNECT_URL": fake.url, "KCONNECT_TOKEN": token})
    assert result.exit_code == 1, result.output
    assert "error: the token (env KCONNECT_TOKEN): the value of header Authorization" in (
        result.stderr
    )
    assert "canary" not in result.output
    assert fake.requests == []


def test_a_missing_header_variable_is_an_error_before_any_request(
    cli: CliRunner, fake: FakeConnect
) -> None:
    result = cli("get", "--header-env", "X-Api-Key=GW_UNSET", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 1
    assert "environment variable GW_UNSET is not set (header X-Api-Key, --header-env GW_UNSET)" in (
        result.stderr
    )
    assert fake.requests == []


def test_context_set_writes_headers_by_reference(cli: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    env = {"KCONNECT_CONFIG": str(config)}
    result = cli(
        "context",
        "set",
        "gw",
        "--url",
        "http://gw:8083",
        "--header",
        "X-Tenant: team-a",
        "--header-env",
        "X-Api-Key=GW_KEY",
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert config.read_text() == (
        "contexts:\n  gw:\n    url: http://gw:8083\n    headers:\n"
        "      X-Tenant: team-a\n      X-Api-Key: {env: GW_KEY}\n"
    )
    refused = cli("context", "set", "gw", "--url", "http://gw", "--header", "X-Token: t0k", env=env)
    assert refused.exit_code == 64
    assert "t0k" not in refused.output


def test_a_header_from_a_file_relative_to_the_config(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    (tmp_path / "gw-token").write_text("canary-file-tok\n")
    config = _config(
        tmp_path,
        f"contexts:\n  gw:\n    url: {fake.url}\n"
        "    headers:\n      X-Client-Token: {file: gw-token}\n",
    )
    env = {"KCONNECT_CONFIG": str(config), "KCONNECT_CONTEXT": "gw"}
    result = cli("get", "-vv", env=env)
    assert result.exit_code == 0, result.output
    assert [r.headers["X-Client-Token"] for r in fake.requests] == ["canary-file-tok"]
    shown = cli("context", "show", env=env)
    assert f"X-Client-Token: set  (from file {tmp_path}/gw-token (context gw (" in shown.stdout
    assert "canary" not in result.output + shown.output
