"""Never hang silently (issue 23, §2): a total deadline per request with a notice while
waiting, a TLS port behind an http:// URL recognised at once, proxies read like any other
input, and answers no Connect worker gives (nested thousands deep, `{}` entries, another
connector's name, a gzip bomb) refused as unexpected answers.

Misbehaving workers are small loopback servers (tests/hostile.py) or the fake worker's
`inject`; every test bounds its own time.
"""

from __future__ import annotations

import socket
import time
import zlib
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.fakeconnect import FakeConnect
from tests.hostile import HostileServer, answer, silent, trickle

# Every test here runs over both transports of the client (light and httpx).
pytestmark = pytest.mark.usefixtures("both_transports")

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"


def _config(name: str) -> dict[str, str]:
    return {"connector.class": SOURCE, "tasks.max": "1", "topic": "t", "file": f"/tmp/{name}"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _no_traceback(output: str) -> None:
    assert "Traceback" not in output
    assert "RecursionError" not in output


# -- a total deadline, and a notice while waiting -------------------------------------------


def test_a_silent_worker_gets_a_notice_within_5_s_and_a_clear_error_at_the_deadline(
    cli: CliRunner,
) -> None:
    with silent() as server:
        start = time.monotonic()
        result = cli("status", env={"KCONNECT_URL": server.url, "KCONNECT_TIMEOUT": "5"})
        elapsed = time.monotonic() - start
    assert result.exit_code == 1, result.output
    assert elapsed < 9
    assert (
        f"the worker at {server.url} is slow to answer: waiting 4 s so far for the answer to "
        "GET /connectors?expand=info&expand=status; giving up after 5 s (KCONNECT_TIMEOUT)"
    ) in result.stderr
    assert (
        f"error: GET /connectors?expand=info&expand=status: no complete answer from {server.url} "
        "within 5 s"
    ) in result.stderr
    assert "UNKNOWN" not in result.output
    assert len(server.requests) == 1  # a worker that does not answer is not asked again
    _no_traceback(result.output)


@pytest.mark.parametrize(
    ("head", "body"),
    [
        (JSON_HEAD, b'{"a": {"info": {"name": "a", "config": {"k": "' + b"x" * 5000),
        (b"", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Pad: y\r\n" * 500),
    ],
    ids=["body-one-byte-at-a-time", "headers-one-byte-at-a-time"],
)
def test_a_worker_that_answers_a_byte_at_a_time_fails_at_the_deadline(
    cli: CliRunner, head: bytes, body: bytes
) -> None:
    with trickle(head, body, every=0.05) as server:
        start = time.monotonic()
        result = cli("status", env={"KCONNECT_URL": server.url, "KCONNECT_TIMEOUT": "5"})
        elapsed = time.monotonic() - start
    assert result.exit_code == 1, result.output
    assert 4.5 < elapsed < 9
    assert "is slow to answer: waiting 4 s so far for the rest of the answer to GET" in (
        result.stderr
    )
    assert "bytes so far)" in result.stderr
    assert "bytes of its answer); the worker is stuck or too slow" in result.stderr
    assert "no complete answer from" in result.stderr and "within 5 s" in result.stderr
    assert "UNKNOWN" not in result.output
    _no_traceback(result.output)


def test_a_write_to_a_silent_worker_is_an_unknown_outcome_at_the_deadline(
    cli: CliRunner,
) -> None:
    with silent() as server:
        start = time.monotonic()
        result = cli(
            "pause",
            "a",
            "--unreachable-timeout",
            "1",
            env={"KCONNECT_URL": server.url, "KCONNECT_TIMEOUT": "5"},
        )
        elapsed = time.monotonic() - start
    assert result.exit_code == 1, result.output
    assert elapsed < 9
    assert "PUT /connectors/a/pause: no complete answer" in result.output
    assert "the change may or may not have been applied" in result.output
    assert "✓" not in result.output
    assert [r.split(b" ")[0] for r in server.requests] == [b"PUT"]  # never blindly repeated


def test_parallel_writes_waiting_on_a_slow_worker_share_one_notice(cli: CliRunner) -> None:
    with silent() as server:
        result = cli(
            "pause",
            "a",
            "b",
            "c",
            "--unreachable-timeout",
            "1",
            env={"KCONNECT_URL": server.url, "KCONNECT_TIMEOUT": "5"},
        )
    assert result.exit_code == 1
    notices = [line for line in result.stderr.splitlines() if "is slow to answer" in line]
    assert len(notices) == 1, notices
    assert "(and 2 other request(s))" in notices[0]


# -- http:// to a TLS port --------------------------------------------------------------------


@pytest.fixture(params=["tls", "mtls"])
def tls_worker(request: pytest.FixtureRequest) -> object:
    import ssl

    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    if request.param == "mtls":  # wants a client certificate: still a TLS port
        context.verify_mode = ssl.CERT_REQUIRED
        ca.configure_trust(context)
    with FakeConnect(tls=context) as server:
        yield server


@pytest.mark.parametrize("command", [["status"], ["pause", "a"]])
def test_http_to_a_tls_port_says_use_https_at_once(
    cli: CliRunner, tls_worker: FakeConnect, command: list[str]
) -> None:
    plain = tls_worker.url.replace("https://", "http://")
    start = time.monotonic()
    result = cli(*command, env={"KCONNECT_URL": plain})
    assert time.monotonic() - start < 4
    assert result.exit_code == 1, result.output
    assert f"{plain} is a TLS (HTTPS) port: the worker dropped the plain-HTTP request" in (
        result.output
    )
    assert f"use {tls_worker.url}" in result.output
    assert "retrying" not in result.output
    assert "may or may not" not in result.output  # a TLS server never read the request


def test_a_plain_worker_that_resets_is_still_retried_not_called_tls(
    cli: CliRunner, fake: FakeConnect
) -> None:
    fake.add_connector("a", _config("a"))
    fake.inject(method="GET", path="/connectors", reset_connection=True, times=1)
    result = cli("status", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 0, result.output
    assert "TLS" not in result.output


# -- proxies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HTTP_PROXY", "http://[::1", "HTTP_PROXY='http://[::1' is not a usable proxy URL"),
        ("HTTP_PROXY", "not a proxy", "HTTP_PROXY='not a proxy' is not a usable proxy URL"),
        ("http_proxy", "http://proxy:99999", "http_proxy='http://proxy:99999' is not a usable"),
        ("HTTP_PROXY", "ftp://proxy:21", "the scheme must be http:// or https://, not ftp://"),
        ("HTTP_PROXY", "http://:3128", "HTTP_PROXY='http://:3128' is not a usable proxy URL"),
        (
            "ALL_PROXY",
            "socks5://127.0.0.1:1080",
            "ALL_PROXY='socks5://127.0.0.1:1080': kconnect speaks to HTTP(S) proxies only",
        ),
        (
            "ALL_PROXY",
            "socks5h://ops:pr0xy-pw@127.0.0.1:1080",
            "ALL_PROXY='socks5h://***@127.0.0.1:1080'",
        ),
    ],
)
def test_an_unusable_proxy_setting_is_an_error_naming_the_variable(
    cli: CliRunner, fake: FakeConnect, variable: str, value: str, message: str
) -> None:
    result = cli("status", env={"KCONNECT_URL": fake.url, variable: value})
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "pr0xy-pw" not in result.output
    _no_traceback(result.output)
    assert fake.requests == []


def test_a_dead_proxy_is_reported_as_the_proxy_not_the_worker(
    cli: CliRunner, fake: FakeConnect
) -> None:
    port = _closed_port()
    result = cli(
        "status",
        "--unreachable-timeout",
        "0.5",
        env={"KCONNECT_URL": fake.url, "HTTP_PROXY": f"http://ops:pr0xy-pw@127.0.0.1:{port}"},
    )
    assert result.exit_code == 1
    assert (
        f"cannot reach the proxy http://***@127.0.0.1:{port} (from HTTP_PROXY) on the way to "
        f"Kafka Connect at {fake.url}"
    ) in result.stderr
    assert "pr0xy-pw" not in result.output
    assert fake.requests == []


def test_requests_go_through_the_proxy_with_its_credentials_and_no_proxy_bypasses_it(
    cli: CliRunner, fake: FakeConnect
) -> None:
    with FakeConnect() as proxy:
        env = {"KCONNECT_URL": fake.url, "http_proxy": f"http://ops:pr0xy-pw@{proxy.url[7:]}"}
        result = cli("status", env=env)
        assert proxy.requests, result.output
        first = proxy.requests[0]
        assert first.path.startswith(f"{fake.url}/connectors")  # absolute form: a proxy request
        assert first.headers.get("Proxy-Authorization", "").startswith("Basic ")
        assert fake.requests == []
        assert "pr0xy-pw" not in result.output
        proxy.clear_requests()
        result = cli("status", env={**env, "NO_PROXY": "example.org, 127.0.0.0/8"})
        assert result.exit_code == 0, result.output
        assert proxy.requests == [] and fake.requests


# -- answers no worker gives ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested deeper than 64 levels"),
        (b'{"a": ' + b'{"x": ' * 70 + b"1" + b"}" * 70 + b"}", "JSON nested deeper than 64"),
        (b'{"a": {}}', "expected ['a'] to have 'info'"),
        (
            b'{"a": {"info": {"name": "b", "config": {}}, '
            b'"status": {"name": "b", "connector": {"state": "RUNNING"}, "tasks": []}}}',
            "expected ['a']['info']['name'] to be the key, got another connector's name",
        ),
        (
            b'{"a": {"info": {"name": "a", "config": {}}}}',
            "expected ['a'] to have 'status'",
        ),
    ],
    ids=["nested-100000", "nested-70", "empty-entry", "other-name", "no-status"],
)
def test_a_listing_no_worker_gives_is_an_unexpected_answer_not_a_status(
    cli: CliRunner, fake: FakeConnect, body: bytes, problem: str
) -> None:
    fake.inject(method="GET", path="/connectors", body=body, content_type="application/json")
    result = cli("status", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 1, result.output
    assert "GET /connectors?expand=info&expand=status: HTTP 200: unexpected answer" in (
        result.stderr
    )
    assert problem in result.stderr
    assert "UNKNOWN" not in result.output
    _no_traceback(result.output)


def test_a_deeply_nested_error_body_is_no_traceback(cli: CliRunner, fake: FakeConnect) -> None:
    fake.inject(
        method="GET",
        path="/connectors/a",
        status=404,
        body=b"[" * 100_000 + b"]" * 100_000,
        content_type="application/json",
    )
    result = cli("describe", "a", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 1
    assert "GET /connectors/a: HTTP 404" in result.stderr
    _no_traceback(result.output)


def _gzip_of_zeros(mebibytes: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    chunk = bytes(1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(mebibytes)]
    return b"".join(parts) + compressor.flush()


def test_a_gzip_bomb_is_refused_at_the_answer_size_cap(cli: CliRunner, tmp_path: Path) -> None:
    bomb = _gzip_of_zeros(200)
    assert len(bomb) < 1024 * 1024  # 200 MiB once inflated
    reply = answer(200, bomb, {"Content-Encoding": "gzip", "Content-Type": "application/json"})
    with HostileServer(lambda conn, _: conn.sendall(reply)) as server:
        result = cli("status", env={"KCONNECT_URL": server.url})
    assert result.exit_code == 1, result.output
    assert (
        "GET /connectors?expand=info&expand=status: HTTP 200: the answer exceeds 128 MiB "
        f"(decompressed); no Connect answer comes close, so kconnect stops reading there: is "
        f"{server.url} a Kafka Connect worker?"
    ) in result.stderr
    _no_traceback(result.output)


def test_a_proxy_that_refuses_the_tunnel_is_named(cli: CliRunner, fake: FakeConnect) -> None:
    """An https:// worker is reached through a CONNECT tunnel; a proxy that will not open it
    is the proxy's failure, and nothing reached the worker."""
    result = cli(
        "status",
        "--unreachable-timeout",
        "0.5",
        env={"KCONNECT_URL": "https://127.0.0.1:1", "HTTPS_PROXY": fake.url},
    )
    assert result.exit_code == 1, result.output
    assert (
        f"the proxy {fake.url} (from HTTPS_PROXY) did not open a connection to Kafka Connect at "
        "https://127.0.0.1:1"
    ) in result.stderr
    assert fake.requests == []  # the fake answers CONNECT with 501 before recording anything
    _no_traceback(result.output)
