"""`kconnect context set|remove|current`: the config file is written safely (checked first,
atomic replace, mode 0600, through a symlink) and only the named context changes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import CliRunner

EXISTING = """\
# Team clusters. Keep this comment.
current-context: prod
contexts:
  # production: change with care
  prod:
    url: https://connect.prod:8443   # the load balancer
    auth: basic
    username: kconnect
    password_env: PROD_CONNECT_PASSWORD
  staging:
    url: http://connect.staging:8083
# trailing comment
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "home" / "kconnect" / "config.yaml"


def _run(cli: CliRunner, config: Path, *args: str, **env: str) -> tuple[int, str, str]:
    result = cli(*args, env={"KCONNECT_CONFIG": str(config), **env})
    return result.exit_code, result.stdout, result.stderr


def test_set_creates_a_private_file(cli: CliRunner, config: Path) -> None:
    code, out, err = _run(
        cli,
        config,
        *("context", "set", "dev", "--url", "http://localhost:8083", "--use"),
    )
    assert code == 0, err
    assert out == f"✓ context dev added in {config}; it is now the current context\n"
    assert config.read_text() == (
        "current-context: dev\ncontexts:\n  dev:\n    url: http://localhost:8083\n"
    )
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    assert _run(cli, config, "context", "current")[1] == "dev\n"


def test_set_adds_and_replaces_leaving_the_rest_as_written(cli: CliRunner, config: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(EXISTING)
    config.chmod(0o644)
    code, _, err = _run(
        cli,
        config,
        *("context", "set", "staging", "--url", "https://connect.staging:8443"),
        *("--auth", "bearer", "--token-env", "STAGING_TOKEN"),
    )
    assert code == 0, err
    code, _, err = _run(cli, config, "context", "set", "local", "--url", "http://localhost:8083")
    assert code == 0, err
    assert config.read_text() == EXISTING.replace(
        "  staging:\n    url: http://connect.staging:8083\n",
        "  staging:\n    url: https://connect.staging:8443\n    auth: bearer\n"
        "    token_env: STAGING_TOKEN\n"
        "  local:\n    url: http://localhost:8083\n",
    )
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    listed = _run(cli, config, "context", "list")[1]
    assert "staging  https://connect.staging:8443  bearer" in listed


def test_paths_are_written_absolute_and_flags_checked_like_the_file(
    cli: CliRunner, config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(
        cli,
        config,
        *("context", "set", "tls", "--url", "https://c:8443", "--ca-cert", "certs/ca.pem"),
    )
    assert code == 0, err
    assert f"    ca_cert: {tmp_path}/certs/ca.pem\n" in config.read_text()
    before = config.read_text()
    for args, message in [
        (("--auth", "basic"), "--auth basic needs a --username"),
        (("--password-env", "hunter2 pw"), "--password-env must be the name of an environment"),
        (("--client-cert", "c.pem"), "--client-key is missing"),
    ]:
        code, _, err = _run(cli, config, "context", "set", "bad", "--url", "http://x", *args)
        assert code == 1, err
        assert message in err
        assert "hunter2" not in err
        assert config.read_text() == before  # nothing written


def test_remove_leaves_the_others_and_clears_a_removed_current(
    cli: CliRunner, config: Path
) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(EXISTING)
    code, out, err = _run(cli, config, "context", "remove", "prod")
    assert code == 0, err
    assert out.splitlines() == [
        f"✓ context prod removed from {config}",
        "It was the current context: no context is current now.",
    ]
    assert config.read_text() == (
        "# Team clusters. Keep this comment.\n"
        "contexts:\n"
        "  # production: change with care\n"
        "  staging:\n"
        "    url: http://connect.staging:8083\n"
        "# trailing comment\n"
    )
    code, _, err = _run(cli, config, "context", "current")
    assert code == 1
    assert "no current context" in err
    code, _, err = _run(cli, config, "context", "remove", "prod")
    assert code == 1
    assert "no context named 'prod' (defined: staging)" in err
    assert _run(cli, config, "context", "remove", "staging")[0] == 0
    assert _run(cli, config, "context", "list")[1] == f"No contexts in {config}.\n"


def test_current_prefers_the_environment(cli: CliRunner, config: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(EXISTING)
    assert _run(cli, config, "context", "current")[1] == "prod\n"
    result = cli("context", "current", "-o", "json", env={"KCONNECT_CONFIG": str(config)})
    assert result.json["data"] == {"current": "prod", "from": str(config), "config": str(config)}
    assert _run(cli, config, "context", "current", KCONNECT_CONTEXT="staging")[1] == "staging\n"
    code, _, err = _run(cli, config, "context", "current", KCONNECT_CONTEXT="nope")
    assert code == 1
    assert "no context named 'nope'" in err


def test_a_symlinked_config_is_written_through_the_link(
    cli: CliRunner, config: Path, tmp_path: Path
) -> None:
    target = tmp_path / "dotfiles" / "kconnect.yaml"
    target.parent.mkdir()
    target.write_text(EXISTING)
    config.parent.mkdir(parents=True)
    config.symlink_to(target)
    assert _run(cli, config, "context", "set", "x", "--url", "http://x:8083")[0] == 0
    assert config.is_symlink()
    assert "  x:\n    url: http://x:8083\n" in target.read_text()
    assert not [p for p in target.parent.iterdir() if p.name != "kconnect.yaml"]  # no temp left


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("contexts: {a: {url: 'http://a'}}\n", "flow style"),
        ("contexts:\n  a:\n    url: http://a\n    password: hunter2\n", "must not be written"),
        ("contexts: [\n", "invalid YAML"),
    ],
)
def test_a_file_kconnect_cannot_edit_safely_is_left_alone(
    cli: CliRunner, config: Path, text: str, message: str
) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(text)
    code, _, err = _run(cli, config, "context", "set", "b", "--url", "http://b")
    assert code == 1
    assert message in err
    assert "hunter2" not in err
    assert config.read_text() == text


def test_empty_and_null_contexts_are_filled_in(cli: CliRunner, config: Path) -> None:
    config.parent.mkdir(parents=True)
    for text in ("contexts: {}\n", "contexts:\n", "current-context: a\ncontexts:\n  a: {url: x}\n"):
        config.write_text(text)
        code, _, err = _run(cli, config, "context", "set", "b", "--url", "http://b")
        assert code == 0, (text, err)
        assert "  b:\n    url: http://b\n" in config.read_text()
    assert os.access(config, os.R_OK)


@pytest.mark.parametrize("url", ["http://kc:canary-URL-pw@connect:8083", "http://:canary-URL-pw@c"])
def test_a_password_in_the_url_is_refused_and_never_echoed(
    cli: CliRunner, config: Path, url: str
) -> None:
    """`--url http://user:PASSWORD@host` would put the password in the shell history and
    inline in the file; credentials are given by reference only."""
    config.parent.mkdir(parents=True)
    config.write_text(EXISTING)
    code, out, err = _run(cli, config, "context", "set", "prod", "--url", url)
    assert code == 64
    assert "error: --url holds a password in its user info" in err
    assert "--password-env VARIABLE" in err
    assert "canary-URL-pw" not in out + err
    assert config.read_text() == EXISTING
    # A user without a password is no credential.
    code, out, err = _run(cli, config, "context", "set", "dev", "--url", "http://kc@connect:8083")
    assert code == 0, err


@pytest.mark.parametrize(
    ("name", "shown"),
    [(" dev", "' dev'"), ("", "''"), ("a\x1b[31mb", "'a\\x1b[31mb'"), ("a\nb", "'a\\nb'")],
)
def test_a_context_name_that_cannot_be_shown_safely_is_refused(
    cli: CliRunner, config: Path, name: str, shown: str
) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(EXISTING)
    code, out, err = _run(cli, config, "context", "set", name, "--url", "http://c:8083")
    assert code == 1
    assert f"error: context name {shown} must not " in err
    assert "\x1b" not in out + err
    assert config.read_text() == EXISTING


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--auth", "basic"), "context new: --auth basic needs a --username"),
        (
            ("--username", "u", "--password-env", "not a name"),
            "context new: --password-env must be the name of an environment variable (letters, "
            "digits and _); the value itself is not shown, in case it is the secret",
        ),
        (
            ("--auth", "basic", "--username", "u", "--token-env", "T"),
            "context new: --token-env is only used with --auth bearer (--auth is basic)",
        ),
        (
            ("--username", "u", "--password-env", "P", "--password-file", "p"),
            "context new: --password-file: set either --password-env or --password-file, not both",
        ),
        (("--client-cert", "c.pem"), "context new: --client-cert: --client-key is missing"),
        (
            ("--header", "X-A: 1", "--header", "x-a: 2"),
            "context new: --header: header x-a is given twice (names ignore case)",
        ),
    ],
)
def test_set_refuses_bad_flags_naming_the_flag_not_a_line_never_written(
    cli: CliRunner, config: Path, flags: tuple[str, ...], message: str
) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(EXISTING)
    code, out, err = _run(cli, config, "context", "set", "new", "--url", "http://x:8083", *flags)
    assert code == 1
    assert err == f"error: {message}\n"
    assert out == ""
    assert config.read_text() == EXISTING
    assert list(config.parent.iterdir()) == [config]
