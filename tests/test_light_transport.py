"""The light transport (plain sockets, for http:// without a proxy) against servers that answer
the way Jetty, a reverse proxy in front of it, or something broken does: chunked bodies with
trailers, interim 100s, HTTP/1.0 read to the close, idle connections the server closed, bodies
cut short, oversized headers, garbage. What the client sees must be what it sees over httpx
(tests/test_faults.py and tests/test_never_hang.py run over both); these are the framing cases
only raw sockets can produce."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from kconnect.api.client import ConnectClient
from kconnect.config.proxy import Proxy
from kconnect.config.settings import ClientSettings, RetryPolicy
from kconnect.errors import ApiError, ConnectUnreachable, UnexpectedAnswer, UnknownOutcome
from tests.hostile import HostileServer

NAMES = b'["a","b"]'


def _settings(url: str, **kw: object) -> ClientSettings:
    retry = RetryPolicy(attempts=2, initial_backoff=0.01, max_backoff=0.01)
    return ClientSettings(url=url, retry=retry, **kw)  # type: ignore[arg-type]


def _read_request(conn: socket.socket, pending: bytearray) -> bytes | None:
    """The next request on `conn` (head and Content-Length body), or None when it closed."""
    while b"\r\n\r\n" not in pending:
        data = conn.recv(65536)
        if not data:
            return None
        pending += data
    head, _, rest = bytes(pending).partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None
        rest += data
    pending[:] = rest[length:]
    return head + b"\r\n\r\n" + rest[:length]


@contextmanager
def serving(answer: Callable[[int, bytes], bytes | None]) -> Iterator[HostileServer]:
    """A keep-alive server: `answer(n, request)` gives the bytes for the n-th request overall
    (None: close the connection without answering). Records requests and connections."""
    counter = {"requests": 0, "connections": 0}
    lock = threading.Lock()

    def behaviour(conn: socket.socket, first: bytes) -> None:
        with lock:
            counter["connections"] += 1
        pending = bytearray(first)
        while (request := _read_request(conn, pending)) is not None:
            with lock:
                counter["requests"] += 1
                n = counter["requests"]
            data = answer(n, request)
            if data is None:
                conn.close()
                return
            conn.sendall(data)

    with HostileServer(behaviour) as server:
        server.counter = counter  # type: ignore[attr-defined]
        yield server


def _ok(body: bytes = NAMES, *extra: str, version: str = "HTTP/1.1") -> bytes:
    lines = [f"{version} 200 OK", "Content-Type: application/json", *extra]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in extra):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_a_plain_http_client_uses_the_light_transport_and_the_rest_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ConnectClient(ClientSettings(url="http://w:8083")).transport_name == "light"
    assert ConnectClient(ClientSettings(url="https://w:8083")).transport_name == "httpx"
    proxied = ClientSettings(url="http://w:8083", proxy=Proxy("http://p:3128", "HTTP_PROXY"))
    assert ConnectClient(proxied).transport_name == "httpx"
    forced = ClientSettings(url="http://w:8083", http_client="httpx")
    assert ConnectClient(forced).transport_name == "httpx"


def test_kept_alive_connections_are_reused_and_the_request_is_what_httpx_sends() -> None:
    with serving(lambda n, _: _ok()) as server, ConnectClient(_settings(server.url)) as client:
        assert client.list_names() == ["a", "b"]
        assert client.list_names() == ["a", "b"]
        with pytest.raises(UnexpectedAnswer):  # 200, not 202; but on the same connection
            client.pause("a")
    assert server.counter == {"requests": 3, "connections": 1}  # type: ignore[attr-defined]
    head = server.requests[0].split(b"\r\n\r\n")[0].decode()
    lines = head.split("\r\n")
    assert lines[0] == "GET /connectors HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}" in lines
    assert "Accept: application/json" in lines
    assert "Connection: keep-alive" in lines


def test_chunked_answers_with_extensions_and_trailers() -> None:
    body = b'5;ext=1\r\n["a",\r\n4\r\n"b"]\r\n0\r\nX-Trailer: yes\r\n\r\n'
    answer = _ok(body, "Transfer-Encoding: chunked")
    with serving(lambda n, _: answer) as server, ConnectClient(_settings(server.url)) as client:
        assert client.list_names() == ["a", "b"]
        assert client.list_names() == ["a", "b"]
    assert server.counter["connections"] == 1  # type: ignore[attr-defined]


def test_interim_100_answers_are_skipped() -> None:
    answer = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\n" + _ok()
    with serving(lambda n, _: answer) as server, ConnectClient(_settings(server.url)) as client:
        assert client.list_names() == ["a", "b"]


def test_http_1_0_without_a_length_is_read_to_the_close() -> None:
    def behaviour(conn: socket.socket, _: bytes) -> None:
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + NAMES)
        conn.close()

    with HostileServer(behaviour) as server, ConnectClient(_settings(server.url)) as client:
        assert client.list_names() == ["a", "b"]
        assert client.list_names() == ["a", "b"]  # on a new connection: that one closed
    assert len(server.requests) == 2


def test_connection_close_is_honoured() -> None:
    with (
        serving(lambda n, _: _ok(NAMES, "Connection: close")) as server,
        ConnectClient(_settings(server.url)) as client,
    ):
        assert client.list_names() == ["a", "b"]
        assert client.list_names() == ["a", "b"]
    assert server.counter["connections"] == 2  # type: ignore[attr-defined]


def test_an_idle_connection_the_server_closed_is_not_used_and_a_write_goes_once() -> None:
    # The first answer keeps the connection; then the server closes it while it is idle
    # (a proxy's idle timeout). The write must go on a new connection, once, not be lost on
    # the dead one and reported as an unknown outcome.
    created = b'{"name":"a","config":{"k":"v"},"tasks":[],"type":"source"}'

    def answer(n: int, request: bytes) -> bytes | None:
        return _ok() if n == 1 else _ok(created, version="HTTP/1.1")

    with serving(answer) as server, ConnectClient(_settings(server.url)) as client:
        assert client.list_names() == ["a", "b"]
        for conn in server._conns:  # the server side closes the idle connection
            conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        time.sleep(0.1)  # the FIN crosses loopback
        assert client.put_config("a", {"k": "v"}) is False
        assert client.stats.retries == 0
    puts = [r for r in server.requests if r.startswith(b"PUT")]
    assert len(puts) == 1


def test_a_body_cut_short_is_retried_for_a_read_and_an_unknown_outcome_for_a_write() -> None:
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b'{"name":'

    def behaviour(conn: socket.socket, _: bytes) -> None:
        conn.sendall(cut)
        conn.close()

    with HostileServer(behaviour) as server, ConnectClient(_settings(server.url)) as client:
        with pytest.raises(ConnectUnreachable) as read:
            client.list_names()
        assert len(server.requests) == 2  # a read is safe to repeat: both attempts used
        assert "received 8 bytes, expected 100" in str(read.value)
    with HostileServer(behaviour) as server, ConnectClient(_settings(server.url)) as client:
        with pytest.raises(UnknownOutcome) as write:
            client.pause("a")
        assert "(RemoteProtocolError)" in str(write.value)
        assert len(server.requests) == 1  # the write went once
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc"
    with (
        HostileServer(lambda conn, _: (conn.sendall(chunked), conn.close())) as server,
        ConnectClient(_settings(server.url)) as client,
        pytest.raises(ConnectUnreachable, match="incomplete chunked read"),
    ):
        client.list_names()


@pytest.mark.parametrize(
    "answer, message",
    [
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"x" * 200_000 + b"\r\n\r\n", "exceeds"),
        (b"HTTP/1.1 200 OK\r\n" + b"X-Many: y\r\n" * 20_000 + b"\r\n", "headers exceed 100 KiB"),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "illegal status line"),
        (b"HTTP/1.1 2OO OK\r\n\r\n", "illegal status line"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "illegal header line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size"),
        (b"", "Server disconnected without sending a response."),
    ],
    ids=[
        "long-line",
        "big-head",
        "not-http",
        "bad-status",
        "bad-header",
        "two-lengths",
        "bad-chunk",
        "nothing",
    ],
)
def test_broken_answers_are_clear_errors_never_tracebacks(answer: bytes, message: str) -> None:
    def behaviour(conn: socket.socket, _: bytes) -> None:
        conn.sendall(answer)
        conn.close()

    with (
        HostileServer(behaviour) as server,
        ConnectClient(_settings(server.url)) as client,
        pytest.raises(ConnectUnreachable) as error,
    ):
        client.list_names()
    assert message in str(error.value)
    assert f"cannot reach Kafka Connect at {server.url}" in str(error.value)


def test_bodies_that_are_not_utf_8_are_decoded_as_declared_or_replaced() -> None:
    latin = '{"message":"Zugriff verweigert für Müller"}'.encode("iso-8859-1")
    answers = {
        1: b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json; charset=ISO-8859-1\r\n"
        + f"Content-Length: {len(latin)}\r\n\r\n".encode()
        + latin,
        2: b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\n"
        + b"nope \xff\xfe!!",
    }
    with (
        serving(lambda n, _: answers[n]) as server,
        ConnectClient(_settings(server.url)) as client,
    ):
        with pytest.raises(Exception, match="403") as first:
            client.list_names()
        with pytest.raises(Exception, match="403") as second:
            client.list_names()
    # JSON is read from the bytes (as httpx): Latin-1 JSON is no JSON; the text shows as such.
    assert "Müller" in str(first.value)
    assert "nope \ufffd\ufffd!!" in str(second.value)


def test_gzip_and_deflate_bodies_are_decoded() -> None:
    import zlib

    bodies = {
        1: _ok(
            gzip.compress(NAMES),
            f"Content-Length: {len(gzip.compress(NAMES))}",
            "Content-Encoding: gzip",
        ),
        2: _ok(
            zlib.compress(NAMES),
            f"Content-Length: {len(zlib.compress(NAMES))}",
            "Content-Encoding: deflate",
        ),
    }
    with (
        serving(lambda n, _: bodies[n]) as server,
        ConnectClient(_settings(server.url)) as client,
    ):
        assert client.list_names() == ["a", "b"]
        assert client.list_names() == ["a", "b"]
    assert b"Accept-Encoding: gzip, deflate" in server.requests[0]


def test_a_window_of_parallel_requests_shares_a_pool_of_kept_alive_connections() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with serving(lambda n, _: _ok()) as server, ConnectClient(_settings(server.url)) as client:
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda _: client.list_names(), range(400)))
        assert results == [["a", "b"]] * 400
        assert client.stats.retries == 0
    assert server.counter["requests"] == 400  # type: ignore[attr-defined]
    assert server.counter["connections"] <= 16  # type: ignore[attr-defined]


def test_a_trickle_past_the_deadline_is_a_clear_timeout() -> None:
    from tests.hostile import trickle

    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
    with (
        trickle(head, b"x" * 100, every=0.2) as server,
        ConnectClient(_settings(server.url, read_timeout=1.0)) as client,
        pytest.raises(ConnectUnreachable) as error,
    ):
        client.list_names()
    assert f"no complete answer from {server.url} within 1 s" in str(error.value)


def test_an_answer_sent_before_the_body_was_read_is_still_read() -> None:
    # A gateway refuses a big request at its head, answers and closes while kconnect is still
    # sending the body: the answer is what the user sees, not a write error.
    def behaviour(conn: socket.socket, _: bytes) -> None:
        conn.sendall(b"HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        conn.shutdown(socket.SHUT_WR)
        time.sleep(0.2)
        conn.close()

    big = {f"key.{i}": "v" * 1000 for i in range(4000)}  # 4 MB: more than the socket buffers
    with (
        HostileServer(behaviour) as server,
        ConnectClient(_settings(server.url)) as client,
        pytest.raises(ApiError) as error,
    ):
        client.put_config("a", big)
    assert error.value.status == 413


def test_bytes_past_the_content_length_are_not_taken_for_the_next_answer() -> None:
    # Extra bytes after a framed body: the connection is not reused, so they can never be
    # read as the answer to the next request.
    answers = {1: _ok() + b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]", 2: _ok()}
    with (
        serving(lambda n, _: answers.get(n, _ok())) as server,
        ConnectClient(_settings(server.url)) as client,
    ):
        assert client.list_names() == ["a", "b"]
        assert client.list_names() == ["a", "b"]
    assert server.counter["connections"] == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("transport", ["auto", "httpx"])
@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x9\r\n" + NAMES + b"\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+9\r\n" + NAMES + b"\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0_9\r\n" + NAMES + b"\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n" + NAMES + b"\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n" + NAMES,
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n" + NAMES,
        "HTTP/1.1 200 OK\r\nContent-Length: \u0669\r\n\r\n".encode() + NAMES,
        b"HTTP/1.1 099 OK\r\nContent-Length: 9\r\n\r\n" + NAMES,
        b"HTTP/1.1 200 OK\r\nX-Note: a\x00b\r\nContent-Length: 9\r\n\r\n" + NAMES,
        b"HTTP/1.1 200 OK\r\nX-Note: a\rb\r\nContent-Length: 9\r\n\r\n" + NAMES,
    ],
    ids=[
        "chunk-0x",
        "chunk-plus",
        "chunk-underscore",
        "chunk-negative",
        "te-gzip",
        "te-chunked-then-gzip",
        "length-in-arabic-digits",
        "status-below-100",
        "nul-in-a-header",
        "bare-cr-in-a-header",
    ],
)
def test_framing_httpx_refuses_is_refused_by_both_transports(answer: bytes, transport: str) -> None:
    # Read wrongly, such an answer hands on bytes that are not the answer, or leaves part of it
    # on the kept-alive connection as the start of the next request's answer.
    def behaviour(conn: socket.socket, _: bytes) -> None:
        conn.sendall(answer)
        conn.close()

    with (
        HostileServer(behaviour) as server,
        ConnectClient(_settings(server.url, http_client=transport)) as client,
        pytest.raises(ConnectUnreachable, match=f"cannot reach Kafka Connect at {server.url}"),
    ):
        client.list_names()
    assert len(server.requests) == 2  # a read, tried again on a new connection


def test_a_header_value_with_a_line_break_is_never_sent() -> None:
    # The settings refuse it first (tests/test_headers.py); the transport never writes it.
    with serving(lambda n, _: _ok()) as server:
        settings = _settings(server.url, headers=(("X-A", "v\r\nX-Injected: 1"),))
        with ConnectClient(settings) as client, pytest.raises(ConnectUnreachable) as error:
            client.list_names()
    assert "Illegal header value (header 'X-A')" in str(error.value)
    assert "X-Injected" not in str(error.value)
    assert server.requests == []
