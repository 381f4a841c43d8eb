"""HTTPS against a real TLS server: the fake worker served over TLS with certificates from a
throwaway CA (trustme). CA verification, a wrong CA, --insecure, and mutual TLS."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.conftest import CliRunner
from tests.fakeconnect import FakeConnect


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def pki(ca: trustme.CA, tmp_path: Path) -> dict[str, Path]:
    """The CA bundle, another CA's bundle, and a client certificate + key signed by the CA."""
    paths = {name: tmp_path / f"{name}.pem" for name in ("ca", "other_ca", "client", "client_key")}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    trustme.CA().cert_pem.write_to_path(str(paths["other_ca"]))
    client = ca.issue_cert("kconnect-client@example.com")
    client.cert_chain_pems[0].write_to_path(str(paths["client"]))
    client.private_key_pem.write_to_path(str(paths["client_key"]))
    return paths


def _server_context(ca: trustme.CA, *, require_client_cert: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        ca.configure_trust(context)
    return context


@pytest.fixture
def tls_fake(ca: trustme.CA) -> Iterator[FakeConnect]:
    with FakeConnect(tls=_server_context(ca, require_client_cert=False)) as server:
        yield server


@pytest.fixture
def mtls_fake(ca: trustme.CA) -> Iterator[FakeConnect]:
    with FakeConnect(tls=_server_context(ca, require_client_cert=True)) as server:
        yield server


def test_ca_cert_flag_verifies_the_worker(
    cli: CliRunner, tls_fake: FakeConnect, pki: dict[str, Path]
) -> None:
    result = cli("info", "--ca-cert", str(pki["ca"]), env={"KCONNECT_URL": tls_fake.url})
    assert result.exit_code == 0, result.output
    assert "worker version:   4.3.0" in result.stdout
    assert result.stderr == ""
    assert [r.path for r in tls_fake.requests] == ["/"]


def test_ca_cert_from_env(cli: CliRunner, tls_fake: FakeConnect, pki: dict[str, Path]) -> None:
    env = {"KCONNECT_URL": tls_fake.url, "KCONNECT_CA_CERT": str(pki["ca"])}
    assert cli("get", env=env).exit_code == 0


@pytest.mark.parametrize("which", ["other_ca", None])
def test_wrong_or_missing_ca_fails_fast_and_clearly(
    cli: CliRunner, tls_fake: FakeConnect, pki: dict[str, Path], which: str | None
) -> None:
    args = ["--ca-cert", str(pki[which])] if which else []
    started = time.monotonic()
    result = cli("get", *args, env={"KCONNECT_URL": tls_fake.url})
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: TLS verification of {tls_fake.url} failed (")
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr
    assert result.stderr.endswith(
        "pass --ca-cert with the CA that signed the worker's certificate\n"
    )
    assert "Traceback" not in result.output
    assert elapsed < 3, "a certificate that does not verify must not be retried"
    assert tls_fake.requests == []


def test_insecure_works_and_warns(cli: CliRunner, tls_fake: FakeConnect) -> None:
    result = cli("get", "--insecure", env={"KCONNECT_URL": tls_fake.url})
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"warning: TLS certificate verification is disabled for {tls_fake.url}\n"
    )
    env = {"KCONNECT_URL": tls_fake.url, "KCONNECT_INSECURE": "true"}
    assert "verification is disabled" in cli("get", env=env).stderr


def _mtls_config(
    tmp_path: Path, url: str, pki: dict[str, Path], *, with_cert: bool
) -> dict[str, str]:
    lines = [
        "current-context: secure",
        "contexts:",
        "  secure:",
        f"    url: {url}",
        f"    ca_cert: {pki['ca']}",
    ]
    if with_cert:
        lines += [
            "    auth: mtls",
            f"    client_cert: {pki['client']}",
            f"    client_key: {pki['client_key']}",
        ]
    path = tmp_path / "config.yaml"
    path.write_text("\n".join(lines) + "\n")
    return {"KCONNECT_CONFIG": str(path)}


def test_mtls_with_client_certificate_from_the_context(
    cli: CliRunner, mtls_fake: FakeConnect, pki: dict[str, Path], tmp_path: Path
) -> None:
    env = _mtls_config(tmp_path, mtls_fake.url, pki, with_cert=True)
    result = cli("info", env=env)
    assert result.exit_code == 0, result.output
    assert "worker version:   4.3.0" in result.stdout
    show = cli("context", "show", env=env)
    assert show.exit_code == 0
    assert f"client_cert: {pki['client']}  (from context secure (" in show.stdout


def test_mtls_client_certificate_from_env(
    cli: CliRunner, mtls_fake: FakeConnect, pki: dict[str, Path]
) -> None:
    env = {
        "KCONNECT_URL": mtls_fake.url,
        "KCONNECT_CA_CERT": str(pki["ca"]),
        "KCONNECT_CLIENT_CERT": str(pki["client"]),
        "KCONNECT_CLIENT_KEY": str(pki["client_key"]),
    }
    assert cli("get", env=env).exit_code == 0


def test_mtls_without_client_certificate_fails_clearly(
    cli: CliRunner, mtls_fake: FakeConnect, pki: dict[str, Path], tmp_path: Path
) -> None:
    env = _mtls_config(tmp_path, mtls_fake.url, pki, with_cert=False)
    started = time.monotonic()
    result = cli("get", env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"error: the worker at {mtls_fake.url} refused the TLS handshake"
    )
    assert "set client_cert and client_key in the context" in result.stderr
    assert "Traceback" not in result.output
    assert time.monotonic() - started < 3
    assert mtls_fake.requests == []


def test_unusable_client_certificate_is_a_config_error(
    cli: CliRunner, tls_fake: FakeConnect, pki: dict[str, Path], tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    env = {
        "KCONNECT_URL": tls_fake.url,
        "KCONNECT_CA_CERT": str(pki["ca"]),
        "KCONNECT_CLIENT_CERT": str(garbage),
        "KCONNECT_CLIENT_KEY": str(garbage),
    }
    result = cli("get", env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"error: cannot load the client certificate {garbage} with key {garbage}: "
    )


def test_unusable_ca_bundle_is_a_config_error(
    cli: CliRunner, tls_fake: FakeConnect, tmp_path: Path
) -> None:
    garbage = tmp_path / "ca.pem"
    garbage.write_text("not a certificate\n")
    result = cli("get", "--ca-cert", str(garbage), env={"KCONNECT_URL": tls_fake.url})
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot load the CA bundle {garbage}: ")
    missing = cli(
        "get", "--ca-cert", str(tmp_path / "nope.pem"), env={"KCONNECT_URL": tls_fake.url}
    )
    assert missing.exit_code == 1
    assert (
        missing.stderr
        == f"error: CA bundle {tmp_path / 'nope.pem'} does not exist (from --ca-cert)\n"
    )


def test_https_to_a_plain_http_worker(cli: CliRunner, fake: FakeConnect) -> None:
    url = fake.url.replace("http://", "https://")
    result = cli("get", env={"KCONNECT_URL": url})
    assert result.exit_code == 1
    assert "is the worker serving plain HTTP (use an http:// URL)?" in result.stderr


def test_a_plain_http_worker_costs_no_tls_context(
    cli: CliRunner, fake: FakeConnect, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An OpenSSL context costs milliseconds on every command; http:// needs none (issue #22).
    built: list[ssl.SSLContext] = []
    real_new = ssl.SSLContext.__new__

    def counted(cls: type[ssl.SSLContext], *args: object, **kwargs: object) -> ssl.SSLContext:
        context = real_new(cls, *args, **kwargs)
        built.append(context)
        return context

    monkeypatch.setattr(ssl.SSLContext, "__new__", counted)
    fake.add_connector("one", {"connector.class": "FileStreamSource", "topic": "t"})
    result = cli("get", env={"KCONNECT_URL": fake.url})
    assert (result.exit_code, built) == (0, [])
    assert "one" in result.stdout
    result = cli("get", env={"KCONNECT_URL": fake.url.replace("http://", "HTTPS://")})
    assert result.exit_code == 1
    assert built  # https builds one, as before
