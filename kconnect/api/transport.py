"""Bounds on one request, below either transport: a total deadline, a notice when the worker
is slow, a cap on the size of an answer, and recognising a TLS port behind an http:// URL; and
the httpx transport (TLS, client certificates, proxies; see `kconnect.api.light` for the
plain-HTTP one).

httpx bounds each socket read, not a request: a worker that accepts the connection and sends
its answer one byte a second is never "timed out". Every connection the client opens goes
through `DeadlineBackend` (httpx) or reads with `deadline_read` (light), bounded by the
deadline of the request being served on the calling thread (`Attempt`, set by the client around
each attempt; both transports run a request's whole exchange on the caller's thread). While it
waits, the same reads tell the user, within seconds, what kconnect is waiting for.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from kconnect.api import wire
from kconnect.records import field, record

if TYPE_CHECKING:
    import httpx

    from kconnect.config.settings import ClientSettings

# No Connect answer comes close: a listing of 10,000 connectors with their configs and
# status is about 60 MB. A gzip answer that inflates past it is refused, not held in memory.
MAX_ANSWER_BYTES = 128 * 1024 * 1024
# First notice that the worker is slow, then one every REPEAT_NOTICE seconds.
FIRST_NOTICE = 4.0
REPEAT_NOTICE = 30.0


class DeadlineExceeded(Exception):
    """Raised inside a socket read or write when the request's deadline has passed."""


@record(frozen=False)
class Attempt:
    """One attempt of one request, as the socket layer sees it."""

    method: str
    path: str
    limit: float  # seconds from `started` to the deadline
    clock: Callable[[], float] = time.monotonic
    started: float = 0.0
    received: int = 0
    expired: bool = False
    next_notice: float = 0.0
    notices: Notices | None = None

    def __post_init__(self) -> None:
        self.started = self.clock()
        self.next_notice = self.started + FIRST_NOTICE

    @property
    def deadline(self) -> float:
        return self.started + self.limit

    def elapsed(self) -> float:
        return self.clock() - self.started

    def sent_so_far(self) -> str:
        return f" (it had sent {self.received} bytes of its answer)" if self.received else ""

    def waiting_for(self) -> str:
        request = f"{self.method} {self.path}"
        if self.received:
            return f"the rest of the answer to {request} ({self.received} bytes so far)"
        return f"the answer to {request}"

    def check(self, now: float) -> None:
        if now >= self.deadline:
            self.expired = True
            raise DeadlineExceeded(self.waiting_for())
        if now >= self.next_notice:
            self.next_notice = now + REPEAT_NOTICE
            if self.notices is not None:
                self.notices.slow(self)


_current = threading.local()


def current() -> Attempt | None:
    return getattr(_current, "attempt", None)


def serving(attempt: Attempt | None) -> None:
    """Bind `attempt` to the calling thread (None: unbind)."""
    _current.attempt = attempt


class Notices:
    """ "The worker is slow" lines, shared by the requests of one client: parallel requests
    waiting on the same slow worker share one line (at most one a second)."""

    def __init__(self, url: str, limit_source: str) -> None:
        self.url = url
        self.limit_source = limit_source
        self._lock = threading.Lock()
        self._waiting: dict[int, Attempt] = {}
        self._last = -1e9

    def begin(self, attempt: Attempt) -> None:
        attempt.notices = self
        with self._lock:
            self._waiting[id(attempt)] = attempt

    def end(self, attempt: Attempt) -> None:
        with self._lock:
            self._waiting.pop(id(attempt), None)

    def slow(self, attempt: Attempt) -> None:
        now = attempt.clock()
        with self._lock:
            if now - self._last < 1.0:
                return
            self._last = now
            others = len(self._waiting) - 1
        also = f" (and {others} other request(s))" if others > 0 else ""
        import logging  # only when there is something to say: logging costs start-up time

        logging.getLogger("kconnect.client").warning(
            "the worker at %s is slow to answer: waiting %.0f s so far for %s%s; "
            "giving up after %.0f s (%s)",
            self.url,
            attempt.elapsed(),
            attempt.waiting_for(),
            also,
            attempt.limit,
            self.limit_source,
        )


def bounded(timeout: float | None, attempt: Attempt | None) -> float | None:
    """`timeout`, cut to what is left of `attempt`'s deadline (`DeadlineExceeded` if none)."""
    if attempt is None:
        return timeout
    now = attempt.clock()
    attempt.check(now)
    left = attempt.deadline - now
    return left if timeout is None else min(timeout, left)


def deadline_read(
    read: Callable[[int, float | None], bytes],
    max_bytes: int,
    timeout: float | None,
    timeout_error: type[Exception],
) -> bytes:
    """`read(max_bytes, timeout)` within the current attempt's deadline, in slices that let
    the slow-worker notices out on time. `timeout_error` is what `read` raises when its own
    timeout passes; raised again here when the per-read `timeout` is spent."""
    attempt = current()
    if attempt is None:
        return bytes(read(max_bytes, timeout))
    give_up_at = None if timeout is None else attempt.clock() + timeout
    while True:
        now = attempt.clock()
        attempt.check(now)
        wait = min(attempt.deadline, attempt.next_notice) - now
        if give_up_at is not None:
            wait = min(wait, give_up_at - now)
        try:
            data = bytes(read(max_bytes, max(wait, 0.001)))
        except timeout_error:
            now = attempt.clock()
            if give_up_at is not None and now >= give_up_at:
                # The per-read timeout, as httpx would have it; the deadline first when
                # both are due (the default read timeout is the deadline).
                attempt.check(max(now, attempt.deadline - 0.05))
                raise
            continue  # a notice is due, or the deadline: `check` says which
        attempt.received += len(data)
        attempt.check(attempt.clock())
        return data


class _DeadlineStream:
    """A network stream whose every read and write respects the current attempt."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore

        return deadline_read(self._inner.read, max_bytes, timeout, httpcore.ReadTimeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, bounded(timeout, current()))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> _DeadlineStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, bounded(timeout, current()))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend:
    """An httpcore network backend whose streams respect the current attempt's deadline."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _DeadlineStream:
        stream = self._inner.connect_tcp(
            host,
            port,
            timeout=bounded(timeout, current()),
            local_address=local_address,
            socket_options=socket_options,
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _DeadlineStream:
        stream = self._inner.connect_unix_socket(
            path, timeout=bounded(timeout, current()), socket_options=socket_options
        )
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install_deadlines(transport: Any) -> bool:
    """Route `transport`'s connections through `DeadlineBackend`. httpx has no public way to
    choose the network backend; its transport keeps an httpcore pool whose backend is set at
    construction. False when this httpx version keeps it elsewhere (then only per-read
    timeouts and the per-chunk deadline check in `read_capped` bound a request)."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None:
        return False
    if not isinstance(backend, DeadlineBackend):
        pool._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]
    return True


def plain_http_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """An httpx transport for a worker reached without TLS: `httpx.HTTPTransport(verify=False)`
    without the TLS context it would build all the same (an OpenSSL context costs milliseconds
    on every command). The httpcore pool builds one itself only when a connection starts TLS,
    which a plain-http client without a proxy never does (it follows no redirects)."""
    import httpcore
    import httpx

    transport = httpx.HTTPTransport.__new__(httpx.HTTPTransport)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=None,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
    )
    return transport


class AnswerTooLarge(Exception):
    def __init__(self, status: int, limit: int) -> None:
        super().__init__(f"the answer exceeds {limit // (1024 * 1024)} MiB")
        self.status = status
        self.limit = limit


def read_capped(response: httpx.Response, attempt: Attempt, limit: int) -> wire.Response:
    """The body of a streamed `response`, decoded (gzip, deflate) and read at most `limit`
    bytes far, as a finished answer. `AnswerTooLarge` past the limit (a gzip bomb inflates
    thousands of times: the decoded size is what memory pays)."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise AnswerTooLarge(response.status_code, limit)
            chunks.append(chunk)
            attempt.check(attempt.clock())
    finally:
        response.close()
    headers = wire.Headers(
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    )
    return wire.Response(response.status_code, response.reason_phrase, headers, b"".join(chunks))


class HttpxTransport:
    """Requests through httpx: what the light transport does not do (TLS, client
    certificates, proxies), or everything when `KCONNECT_HTTP_CLIENT=httpx`. httpx's failures
    come out as the same-named `wire` failures, with the same messages."""

    def __init__(self, settings: ClientSettings, base_url: str, *, max_connections: int) -> None:
        import httpx

        from kconnect.api.tls import ssl_context, uses_tls

        proxy = settings.proxy
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        if proxy is None and not uses_tls(settings):
            transport = plain_http_transport(limits)
        else:
            transport = httpx.HTTPTransport(
                verify=ssl_context(settings),
                limits=limits,
                proxy=httpx.Proxy(proxy.url) if proxy is not None else None,
            )
        install_deadlines(transport)
        self._http = httpx.Client(
            base_url=base_url,
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            transport=transport,
            # Never: credentials must not travel to another host (reported by the client).
            follow_redirects=False,
            # Proxies come from the settings, checked like any other input (config.proxy).
            trust_env=False,
        )

    def close(self) -> None:
        self._http.close()

    def send(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        *,
        attempt: Attempt,
        limit: int,
    ) -> wire.Response:
        import httpx

        try:
            request = self._http.build_request(method, target, headers=headers, content=body)
            return read_capped(self._http.send(request, stream=True), attempt, limit)
        except httpx.TransportError as exc:
            failure = wire.FAILURES.get(type(exc).__name__, wire.TransportError)
            raise failure(str(exc)) from exc
        except httpx.DecodingError as exc:
            raise wire.DecodingError(str(exc)) from exc


@record(frozen=False)
class TlsProbe:
    """Whether the plain-http URL's port speaks TLS: asked once per client, after a plain
    request ended without an answer (a TLS server resets or alerts on plain text)."""

    host: str
    port: int
    _answer: bool | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def speaks_tls(self, timeout: float = 2.0) -> bool:
        with self._lock:
            if self._answer is None:
                self._answer = _handshake_succeeds(self.host, self.port, timeout)
            return self._answer


def _handshake_succeeds(host: str, port: int, timeout: float) -> bool:
    """A TLS handshake with the port, over memory buffers on a socket this function owns.

    Not `wrap_socket`: it moves the descriptor into an SSLSocket, and when the server drops
    the connection at the wrong moment (a worker dying) that SSLSocket can fail half-built and
    be left unclosed (a ResourceWarning at collection, seen in CI)."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=host)
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            while True:
                try:
                    tls.do_handshake()
                    return True
                except ssl.SSLWantReadError:
                    raw.sendall(outgoing.read())
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    raw.settimeout(left)
                    data = raw.recv(65536)
                    if not data:
                        return False
                    incoming.write(data)
    except ssl.SSLError as exc:
        # A server that wants a client certificate still speaks TLS.
        return "CERTIFICATE_REQUIRED" in str(exc) or "HANDSHAKE_FAILURE" in str(exc)
    except OSError:
        return False
