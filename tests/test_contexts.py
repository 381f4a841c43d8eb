"""Contexts and credentials: the config file, `context list|use|show`, precedence of flags and
environment variables over the context, and where each credential comes from."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from kconnect.config.settings import resolve, resolve_client_settings
from kconnect.errors import ConfigError
from tests.conftest import CliRunner
from tests.fakeconnect import FakeConnect


def _config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return {"KCONNECT_CONFIG": str(path)}


def _two_contexts(tmp_path: Path, url: str = "http://prod:8083") -> dict[str, str]:
    (tmp_path / "token").write_text("tok-from-file\n")
    return _config(
        tmp_path,
        "# my clusters\n"
        "current-context: prod\n"
        "contexts:\n"
        "  prod:\n"
        f"    url: {url}\n"
        "    auth: basic\n"
        "    username: admin\n"
        "    password_env: PROD_PW\n"
        "  staging:  # the other one\n"
        "    url: http://staging:8083\n"
        "    auth: bearer\n"
        "    token_file: token\n",
    )


# -- resolution ---------------------------------------------------------------------------------


def test_no_config_file_uses_flags_and_env(tmp_path: Path) -> None:
    env = {"KCONNECT_CONFIG": str(tmp_path / "none.yaml"), "KCONNECT_URL": "http://x:1"}
    settings = resolve_client_settings(env)
    assert settings.url == "http://x:1"
    assert settings.auth_kind == "none"
    assert settings.verify is True


def test_current_context_gives_url_and_basic_auth(tmp_path: Path) -> None:
    env = {**_two_contexts(tmp_path), "PROD_PW": "pw1"}
    resolution = resolve(env)
    s = resolution.settings
    assert (resolution.context, s.url, s.username, s.password) == (
        "prod",
        "http://prod:8083",
        "admin",
        "pw1",
    )
    config = tmp_path / "config.yaml"
    assert resolution.origins == {
        "url": f"context prod ({config}:5)",
        "verify": "default (system CA bundle)",
        "username": f"context prod ({config}:7)",
        "password": f"env PROD_PW (password_env in context prod ({config}:8))",
    }


def test_named_context_bearer_from_a_relative_token_file(tmp_path: Path) -> None:
    s = resolve_client_settings(_two_contexts(tmp_path), context="staging")
    assert (s.url, s.token, s.username) == ("http://staging:8083", "tok-from-file", None)


def test_flags_and_env_override_the_context(tmp_path: Path) -> None:
    env = {**_two_contexts(tmp_path), "PROD_PW": "pw1", "KCONNECT_URL": "http://env:1"}
    assert resolve_client_settings(env).url == "http://env:1"
    assert resolve_client_settings(env, url="http://flag:2").url == "http://flag:2"
    env["KCONNECT_PASSWORD"] = "pw-env"
    assert resolve_client_settings(env).password == "pw-env"
    env["KCONNECT_TOKEN"] = "tok-env"
    s = resolve_client_settings(env)
    assert (s.token, s.username, s.auth_kind) == ("tok-env", None, "bearer")


def test_insecure_and_ca_precedence(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    env = _config(
        tmp_path, "current-context: c\ncontexts:\n  c:\n    url: https://c\n    insecure: true\n"
    )
    assert resolve_client_settings(env).verify is False
    assert resolve_client_settings(env, ca_cert=str(ca)).verify == str(ca)
    assert resolve_client_settings({**env, "KCONNECT_CA_CERT": str(ca)}).verify == str(ca)
    assert (
        resolve_client_settings({**env, "KCONNECT_CA_CERT": str(ca)}, insecure=True).verify is False
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KCONNECT_PASSWORD": "x"}, "KCONNECT_PASSWORD is set but there is no username"),
        (
            {"KCONNECT_CA_CERT": "/no/such/ca.pem"},
            "CA bundle /no/such/ca.pem does not exist (from env KCONNECT_CA_CERT)",
        ),
        (
            {"KCONNECT_CLIENT_CERT": "/c.pem"},
            "set both KCONNECT_CLIENT_CERT and KCONNECT_CLIENT_KEY, or neither",
        ),
        ({"KCONNECT_TIMEOUT": "soon"}, "KCONNECT_TIMEOUT must be a number, not 'soon'"),
    ],
)
def test_env_problems(tmp_path: Path, env: dict[str, str], message: str) -> None:
    env["KCONNECT_CONFIG"] = str(tmp_path / "none.yaml")
    with pytest.raises(ConfigError) as info:
        resolve_client_settings(env)
    assert message in info.value.message


def test_missing_password_env_and_unreadable_password_file(tmp_path: Path) -> None:
    env = _two_contexts(tmp_path)
    with pytest.raises(ConfigError) as info:
        resolve_client_settings(env)
    assert info.value.message.startswith("environment variable PROD_PW is not set (env PROD_PW")
    (tmp_path / "token").unlink()
    with pytest.raises(ConfigError) as info:
        resolve_client_settings(env, context="staging")
    # a path that does not exist may be the token itself: the key is named, not the value
    assert (
        "cannot read the token file named by token_file: No such file or directory"
        in info.value.message
    )
    assert str(tmp_path / "token") not in info.value.message


def test_secret_values_cover_the_header_forms() -> None:
    from kconnect.config.settings import ClientSettings

    s = ClientSettings(username="u", password="pw-123")
    assert s.secret_values() == ["pw-123", base64.b64encode(b"u:pw-123").decode()]
    assert ClientSettings(token="t-123").secret_values() == ["t-123", "Bearer t-123"]
    assert "pw-123" not in repr(s)


# -- config file errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("contexts: [\n", ":2: invalid YAML"),
        ("- a\n", ":1: the config file must be a mapping"),
        ("nope: 1\n", ":1: unknown key 'nope' (allowed: current-context, contexts)"),
        (
            "contexts:\n  a:\n    url: x\n    pasword_env: X\n",
            ":4: context 'a': unknown key 'pasword_env'",
        ),
        (
            "contexts:\n  a:\n    username: u\n    password: hunter2\n",
            ":4: context 'a': 'password' must not be written in the config file; use password_env",
        ),
        (
            "contexts:\n  a:\n    token: t\n",
            ":3: context 'a': 'token' must not be written in the config file; use token_env",
        ),
        (
            "contexts:\n  a:\n    auth: kerberos\n",
            ":3: context 'a': auth must be one of basic, bearer, mtls, none, not 'kerberos'",
        ),
        ("contexts:\n  a:\n    auth: basic\n", ":3: context 'a': auth: basic needs a username"),
        (
            "contexts:\n  a:\n    auth: bearer\n",
            ":3: context 'a': auth: bearer needs token_env or token_file",
        ),
        (
            "contexts:\n  a:\n    auth: mtls\n",
            ":3: context 'a': auth: mtls needs client_cert and client_key",
        ),
        ("contexts:\n  a:\n    client_cert: c.pem\n", ":3: context 'a': client_key is missing"),
        ("contexts:\n  a:\n    insecure: maybe\n", ":3: a.insecure must be true or false"),
        (
            "contexts:\n  a:\n    url: x\n  a:\n    url: y\n",
            ":4: duplicate key 'a' in contexts (first at line 2)",
        ),
        (
            "contexts:\n  a:\n    username: u\n    password_env: 'not a name'\n",
            ":4: context 'a': password_env must be the name of an environment variable",
        ),
        (
            "contexts:\n  a:\n    username: u\n    password_env: A\n    password_file: f\n",
            ":5: context 'a': set either password_env or password_file, not both",
        ),
        (
            "contexts:\n  a:\n    auth: none\n    token_env: T\n",
            ":4: context 'a': token_env is only used with auth: bearer (auth is none)",
        ),
        (
            "current-context: b\ncontexts:\n  a:\n    url: x\n",
            ":1: current-context 'b' is not defined under 'contexts' (defined: a)",
        ),
    ],
)
def test_config_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    env = _config(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        resolve(env)
    assert info.value.message.startswith(str(tmp_path / "config.yaml")), info.value.message
    assert message in info.value.message


def test_unknown_context(tmp_path: Path) -> None:
    env = _two_contexts(tmp_path)
    with pytest.raises(ConfigError) as info:
        resolve(env, context="qa")
    assert (
        info.value.message
        == f"{tmp_path / 'config.yaml'}: no context named 'qa' (defined: prod, staging)"
    )
    with pytest.raises(ConfigError) as info:
        resolve({"KCONNECT_CONFIG": str(tmp_path / "none.yaml")}, context="qa")
    assert "there is no config file at" in info.value.message


# -- CLI ----------------------------------------------------------------------------------------


def test_context_list(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("context", "list", env=_two_contexts(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "CURRENT  NAME     URL                  AUTH",
        "*        prod     http://prod:8083     basic",
        "         staging  http://staging:8083  bearer",
    ]
    doc = cli("context", "list", "-o", "json", env=_two_contexts(tmp_path)).json
    assert doc["data"]["current"] == "prod"
    assert doc["data"]["contexts"][1] == {
        "name": "staging",
        "url": "http://staging:8083",
        "auth": "bearer",
        "token_file": str(tmp_path / "token"),
    }


def test_context_use_rewrites_only_current_context(cli: CliRunner, tmp_path: Path) -> None:
    env = _two_contexts(tmp_path)
    before = (tmp_path / "config.yaml").read_text()
    os.chmod(tmp_path / "config.yaml", 0o600)
    result = cli("context", "use", "staging", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"✓ current context is now staging ({tmp_path / 'config.yaml'})\n"
    after = (tmp_path / "config.yaml").read_text()
    assert after == before.replace("current-context: prod", "current-context: staging")
    assert (tmp_path / "config.yaml").stat().st_mode & 0o777 == 0o600
    assert cli("context", "use", "qa", env=env).exit_code == 1
    assert (tmp_path / "config.yaml").read_text() == after


def test_context_use_adds_current_context_when_missing(cli: CliRunner, tmp_path: Path) -> None:
    env = _config(tmp_path, "contexts:\n  'on':\n    url: http://x\n")
    assert cli("context", "use", "on", env=env).exit_code == 0
    assert (tmp_path / "config.yaml").read_text().startswith("current-context: 'on'\ncontexts:")
    assert cli("context", "list", "-o", "json", env=env).json["data"]["current"] == "on"


def test_context_show_says_where_each_value_comes_from(cli: CliRunner, tmp_path: Path) -> None:
    env = {**_two_contexts(tmp_path), "PROD_PW": "hunter2-prod"}
    config = tmp_path / "config.yaml"
    result = cli("context", "show", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "context:     prod",
        f"config file: {config}",
        "auth:        basic",
        f"url:         http://prod:8083  (from context prod ({config}:5))",
        f"username:    admin  (from context prod ({config}:7))",
        f"password:    set  (from env PROD_PW (password_env in context prod ({config}:8)))",
        "tls_verify:  system CA bundle  (from default (system CA bundle))",
    ]
    assert "hunter2-prod" not in result.output
    staging = cli("context", "show", "staging", "-o", "json", env=env).json["data"]
    assert staging["token"] == {
        "value": "set",
        "from": f"file {tmp_path / 'token'} (token_file in context staging ({config}:12))",
    }
    assert "tok-from-file" not in str(staging)


def test_context_show_reports_problems_and_exits_1(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("context", "show", env=_two_contexts(tmp_path))
    assert result.exit_code == 1
    assert "password:    not set  (from env PROD_PW (password_env in context prod" in result.stdout
    assert "error: environment variable PROD_PW is not set" in result.stdout


def test_context_show_env_overrides(cli: CliRunner, tmp_path: Path) -> None:
    env = {
        **_two_contexts(tmp_path),
        "KCONNECT_TOKEN": "t0ken-canary",
        "KCONNECT_URL": "http://e:1",
    }
    result = cli("context", "show", "--url", "http://flag:9", env=env)
    assert result.exit_code == 0, result.output
    assert "url:         http://flag:9  (from --url)" in result.stdout
    assert "token:       set  (from env KCONNECT_TOKEN)" in result.stdout
    assert "t0ken-canary" not in result.output


def test_commands_use_the_context_and_its_credentials(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    env = {**_two_contexts(tmp_path, url=fake.url), "PROD_PW": "pw-ctx"}
    result = cli("get", env=env)
    assert result.exit_code == 0, result.output
    expected = "Basic " + base64.b64encode(b"admin:pw-ctx").decode()
    assert fake.requests[-1].headers["Authorization"] == expected
    # --context and KCONNECT_CONTEXT pick another one
    env2 = _config(
        tmp_path,
        f"contexts:\n  a:\n    url: {fake.url}\n    auth: bearer\n    token_env: A_TOKEN\n",
    )
    assert cli("get", "--context", "a", env={**env2, "A_TOKEN": "tok-a"}).exit_code == 0
    assert fake.requests[-1].headers["Authorization"] == "Bearer tok-a"
    assert cli("get", env={**env2, "A_TOKEN": "tok-b", "KCONNECT_CONTEXT": "a"}).exit_code == 0
    assert fake.requests[-1].headers["Authorization"] == "Bearer tok-b"
    info = cli("info", env={**env2, "A_TOKEN": "tok-b", "KCONNECT_CONTEXT": "a"})
    assert "context:          a" in info.stdout


def test_config_errors_are_reported_by_every_command(cli: CliRunner, tmp_path: Path) -> None:
    env = _config(tmp_path, "contexts:\n  a:\n    password: hunter2\n")
    for args in (("get",), ("context", "list"), ("status", "-o", "json")):
        result = cli(*args, env=env)
        assert result.exit_code == 1, args
        assert (
            f"{tmp_path / 'config.yaml'}:3: context 'a': 'password' must not be written"
            in result.output
        )
        assert "hunter2" not in result.output
        assert "Traceback" not in result.output


def test_missing_ca_file_is_a_clear_error(cli: CliRunner, tmp_path: Path) -> None:
    env = _config(
        tmp_path,
        "current-context: a\ncontexts:\n  a:\n    url: https://x\n    ca_cert: certs/ca.pem\n",
    )
    result = cli("get", env=env)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: CA bundle {tmp_path / 'certs/ca.pem'} does not exist "
        f"(from context a ({tmp_path / 'config.yaml'}:5))\n"
    )


def test_context_show_says_basic_auth_for_a_password_in_the_url(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """The user info of the URL is sent as Basic auth: `context show` said "auth: none"."""
    url = fake.url.replace("http://", "http://ops:canary-url-pw@")
    env = _config(tmp_path, f"current-context: a\ncontexts:\n  a:\n    url: {url}\n")
    result = cli("context", "show", env=env)
    assert result.exit_code == 0, result.output
    origin = f"the url's user info (context a ({tmp_path / 'config.yaml'}:4))"
    assert result.stdout.splitlines()[2:6] == [
        "auth:        basic",
        f"url:         {fake.url}  (from context a ({tmp_path / 'config.yaml'}:4))",
        f"username:    ops  (from {origin})",
        f"password:    set  (from {origin})",
    ]
    assert "canary-url-pw" not in result.output
    data = cli("context", "show", "-o", "json", env=env).json["data"]
    assert (data["auth"], data["username"]["value"], data["password"]["value"]) == (
        "basic",
        "ops",
        "set",
    )
    assert cli("get", env=env).exit_code == 0
    sent = base64.b64encode(b"ops:canary-url-pw").decode()
    assert fake.requests[-1].headers["Authorization"] == f"Basic {sent}"
