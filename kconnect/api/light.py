"""The light transport: HTTP/1.1 on plain sockets, for a worker reached over plain HTTP without a
proxy (the common case: a local worker, a cluster on a private network).

httpx and its stack (httpcore, h11, anyio, certifi, and through `urllib.request` the email
package, ssl, logging...) cost more to import than the rest of `plan` together; for plain HTTP
none of it is needed. Everything else (https, client certificates, proxies) goes through httpx
(`kconnect.api.transport.HttpxTransport`); `KCONNECT_HTTP_CLIENT=httpx` sends plain HTTP there
too. Both raise the same failures with the same messages (`kconnect.api.wire`).

What it reads is what a Connect worker (Jetty), or a reverse proxy in front of one, answers:
Content-Length, chunked bodies (with extensions and trailers), bodies read to the close,
HTTP/1.0, `Connection: close`, interim 1xx answers (skipped), gzip and deflate. Limits: 100 KiB
of status line, headers or trailers (as httpcore), 64 KiB for one line. Connections are kept
alive and reused by the threads of one client (the bulk writers send a window of requests at
once); an idle connection the server closed is found before reuse (readable while idle means
closed or broken, as httpcore decides), so a request is never sent on it. A request that was
sent is never sent again here: whether to repeat it is the client's decision (an unknown
outcome is re-read, never blindly repeated).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

from kconnect.api.transport import (
    AnswerTooLarge,
    Attempt,
    bounded,
    current,
    deadline_read,
)
from kconnect.api.wire import (
    ConnectError,
    ConnectTimeout,
    DecodingError,
    Headers,
    LocalProtocolError,
    PoolTimeout,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    Response,
    WriteError,
    WriteTimeout,
)

MAX_HEAD_BYTES = 100 * 1024  # status line and headers (or trailers) together, as httpcore
MAX_LINE_BYTES = 64 * 1024
READ_SIZE = 64 * 1024
KEEPALIVE_EXPIRY = 5.0  # seconds an idle connection is kept, as httpx
_NO_BODY_STATUS = (204, 304)
_FRAMING = ("content-encoding", "content-length", "transfer-encoding")
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
# Not allowed in a header value, as h11 (httpx) decides: a NUL, a bare CR, a vertical tab or a
# form feed (other control characters reach messages, which make them inert on a terminal).
_CONTROL_CHARS = b"\x00\r\x0b\x0c"
_TOKEN_CHARS = frozenset(
    b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


class _Connection:
    """One TCP connection and the bytes read from it but not yet used."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.idle_since = 0.0
        self.received_any = False  # any byte of the current answer

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def is_dead(self) -> bool:
        """Readable while idle: the server closed it (EOF), reset it, or sent bytes nobody
        asked for; either way not a connection to send a request on."""
        import select

        if self.buffer:
            return True
        try:
            if hasattr(select, "poll"):  # select() cannot watch a descriptor above 1023
                poller = select.poll()
                poller.register(self.sock, select.POLLIN)
                return bool(poller.poll(0))
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    # -- reading, bounded by the attempt's deadline ---------------------------------------

    def _recv(self, max_bytes: int, timeout: float | None) -> bytes:
        try:
            self.sock.settimeout(timeout)
            return self.sock.recv(max_bytes)
        except TimeoutError:
            raise ReadTimeout("timed out") from None
        except OSError as exc:
            raise ReadError(str(exc)) from exc

    def fill(self, timeout: float | None) -> bool:
        """Read more into the buffer; False at the end of the stream."""
        data = deadline_read(self._recv, READ_SIZE, timeout, ReadTimeout)
        if not data:
            return False
        self.received_any = True
        self.buffer += data
        return True

    def line(self, timeout: float | None, limit: int) -> bytes | None:
        """The next line without its line break (CRLF or a bare LF); None at the end of the
        stream before a line break."""
        start = 0
        while True:
            end = self.buffer.find(b"\n", start)
            if end >= 0:
                if end > limit:
                    raise RemoteProtocolError(f"a line of the answer exceeds {limit} bytes")
                line = bytes(self.buffer[:end])
                del self.buffer[: end + 1]
                return line[:-1] if line.endswith(b"\r") else line
            if len(self.buffer) > limit:
                raise RemoteProtocolError(f"a line of the answer exceeds {limit} bytes")
            start = len(self.buffer)
            if not self.fill(timeout):
                return None

    def exactly(self, size: int, timeout: float | None) -> bytes | None:
        while len(self.buffer) < size:
            if not self.fill(timeout):
                return None
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def some(self, timeout: float | None) -> bytes:
        """What is buffered, or the next read; b"" at the end of the stream."""
        if not self.buffer and not self.fill(timeout):
            return b""
        data = bytes(self.buffer)
        self.buffer.clear()
        return data

    # -- writing ----------------------------------------------------------------------------

    def send(self, data: bytes, timeout: float | None) -> None:
        try:
            self.sock.settimeout(bounded(timeout, current()))
            self.sock.sendall(data)
        except TimeoutError:
            raise WriteTimeout("timed out") from None
        except OSError as exc:
            raise WriteError(str(exc)) from exc


class _Decoder:
    """The answer's Content-Encoding undone, at most `limit` bytes far (a gzip bomb inflates a
    thousandfold: what memory pays is the decoded size, so that is what is capped)."""

    def __init__(self, encodings: list[str], status: int, limit: int) -> None:
        self.status = status
        self.limit = limit
        self.size = 0
        self._steps: list[Any] = []
        if not encodings:
            return
        import zlib  # only for an encoded answer

        self._zlib = zlib
        for coding in reversed(encodings):
            if coding in ("gzip", "x-gzip"):
                self._steps.append(("gzip", zlib.decompressobj(zlib.MAX_WBITS | 16)))
            elif coding == "deflate":
                self._steps.append(("deflate", zlib.decompressobj()))
            # identity and what httpx does not decode either (br, zstd) pass through

    def feed(self, data: bytes) -> bytes:
        for index, (kind, step) in enumerate(self._steps):
            data = self._inflate(index, kind, step, data)
        self.size += len(data)
        if self.size > self.limit:
            raise AnswerTooLarge(self.status, self.limit)
        return data

    def _inflate(self, index: int, kind: str, step: Any, data: bytes) -> bytes:
        zlib = self._zlib
        out = bytearray()
        try:
            while data:
                out += step.decompress(data, self.limit + 1 - len(out))
                if len(out) > self.limit:
                    raise AnswerTooLarge(self.status, self.limit)
                data = step.unconsumed_tail
        except zlib.error as exc:
            if kind == "deflate" and not out and self.size == 0:
                # Deflate without the zlib header: some servers send it raw (as httpx accepts).
                raw = zlib.decompressobj(-zlib.MAX_WBITS)
                self._steps[index] = ("raw", raw)
                return self._inflate(index, "raw", raw, data)
            raise DecodingError(f"Error decoding the answer with {kind}: {exc}") from None
        return bytes(out)


class LightTransport:
    """Requests to one plain-HTTP origin over a thread-safe pool of kept-alive sockets."""

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_connections: int,
    ) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._host_field = host if self.port == 80 else f"{host}:{self.port}"
        self._base_path = parts.path.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._lock = threading.Lock()
        self._idle: list[_Connection] = []
        self._slots = threading.BoundedSemaphore(max_connections)
        self._max_idle = max_connections
        self._closed = False

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            self._closed = True
        for conn in idle:
            conn.close()

    def send(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        *,
        attempt: Attempt,
        limit: int,
    ) -> Response:
        """Send one request (`target`: path and query below the URL's own path) and read the
        whole answer, decoded, at most `limit` bytes of it."""
        head = self._head(method, target, headers, body)
        if not self._slots.acquire(timeout=bounded(self.read_timeout, attempt)):
            raise PoolTimeout(f"no free connection within {self.read_timeout:.0f} s")
        conn: _Connection | None = None
        reusable = False
        try:
            conn = self._idle_connection() or self._connect()
            reusable, response = self._exchange(conn, method, head, body, limit)
            return response
        finally:
            if conn is not None:
                self._release(conn, reusable)
            self._slots.release()

    def _head(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes | None
    ) -> bytes:
        """The request line and header fields, as httpx would send them."""
        fields = {
            "host": ("Host", self._host_field),
            "accept-encoding": ("Accept-Encoding", "gzip, deflate"),
            "connection": ("Connection", "keep-alive"),
        }
        for name, value in headers:
            if any(c in name or c in value for c in "\r\n\x00"):
                # As h11 refuses it (the settings already do): it would end the header early
                # and smuggle in another. The value may be a credential: never quoted.
                raise LocalProtocolError(f"Illegal header value (header {name!r})")
            fields[name.lower()] = (name, value)
        if body is not None or method in ("POST", "PUT", "PATCH"):
            fields["content-length"] = ("Content-Length", str(len(body or b"")))
        lines = [f"{method} {self._base_path}{target} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in fields.values()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    def _idle_connection(self) -> _Connection | None:
        now = time.monotonic()
        while True:
            with self._lock:
                if not self._idle:
                    return None
                conn = self._idle.pop()
            if now - conn.idle_since < KEEPALIVE_EXPIRY and not conn.is_dead():
                return conn
            conn.close()

    def _release(self, conn: _Connection, reusable: bool) -> None:
        if reusable:
            conn.idle_since = time.monotonic()
            with self._lock:
                if not self._closed and len(self._idle) < self._max_idle:
                    self._idle.append(conn)
                    return
        conn.close()

    def _connect(self) -> _Connection:
        timeout = bounded(self.connect_timeout, current())
        # A str host is encoded with the idna codec (an import of its own); ASCII needs none.
        host: Any = self.host.encode("ascii") if self.host.isascii() else self.host
        try:
            sock = socket.create_connection((host, self.port), timeout)
        except TimeoutError:
            raise ConnectTimeout("timed out") from None
        except OSError as exc:
            raise ConnectError(str(exc)) from exc
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Connection(sock)

    def _exchange(
        self, conn: _Connection, method: str, head: bytes, body: bytes | None, limit: int
    ) -> tuple[bool, Response]:
        conn.received_any = False
        # The server may have closed the request early and still answer (an error it sent
        # before reading the body): read what it says, as httpcore does.
        with contextlib.suppress(WriteError):
            conn.send(head + body if body else head, self.read_timeout)
        status, version, reason, headers = self._answer_head(conn)
        decoder = _Decoder(_codings(headers), status, limit)
        if method == "HEAD" or status in _NO_BODY_STATUS:
            content, framed = b"", True
        else:
            content, framed = self._body(conn, headers, decoder)
        keep = framed and version == b"HTTP/1.1" and not _closes(headers)
        # What the body's framing and encoding were is no longer true of `content`.
        shown = Headers((k, v) for k, v in headers.fields if k.lower() not in _FRAMING)
        return keep, Response(status, reason, shown, content)

    def _answer_head(self, conn: _Connection) -> tuple[int, bytes, str, Headers]:
        """The final answer's status line and headers; interim 1xx answers are skipped."""
        while True:
            line = conn.line(self.read_timeout, MAX_LINE_BYTES)
            if line is None:
                if conn.received_any:
                    raise RemoteProtocolError("peer closed connection in the middle of the answer")
                raise RemoteProtocolError("Server disconnected without sending a response.")
            version, status, reason = _status_line(line)
            fields = self._fields(conn, len(line))
            if 100 <= status < 200:
                if status == 101:
                    raise RemoteProtocolError("the server switched protocols (101)")
                continue
            return status, version, reason, Headers(fields)

    def _fields(self, conn: _Connection, used: int) -> list[tuple[str, str]]:
        """Header (or trailer) fields up to the blank line."""
        raw: list[bytes] = []
        while True:
            line = conn.line(self.read_timeout, MAX_LINE_BYTES)
            if line is None:
                raise RemoteProtocolError("peer closed connection in the middle of the headers")
            used += len(line) + 2
            if used > MAX_HEAD_BYTES:
                raise RemoteProtocolError(
                    f"the answer's headers exceed {MAX_HEAD_BYTES // 1024} KiB"
                )
            if not line:
                break
            if line[:1] in (b" ", b"\t") and raw:
                raw[-1] += b" " + line.strip()  # obsolete line folding
                continue
            raw.append(line)
        encoding = _header_encoding(raw)
        fields = []
        for item in raw:
            name, colon, value = item.partition(b":")
            if (
                not colon
                or not name
                or not set(name) <= _TOKEN_CHARS
                or len(value.translate(None, _CONTROL_CHARS)) != len(value)
            ):
                raise RemoteProtocolError(f"illegal header line: {item[:80]!r}")
            fields.append((name.decode("ascii"), value.strip(b" \t").decode(encoding)))
        return fields

    def _body(self, conn: _Connection, headers: Headers, decoder: _Decoder) -> tuple[bytes, bool]:
        """The decoded body, and whether its end was framed (the connection may be reused)."""
        chunks: list[bytes] = []
        codings = [
            c.strip().lower()
            for c in ",".join(headers.get_list("transfer-encoding")).split(",")
            if c.strip()
        ]
        timeout = self.read_timeout
        if codings and codings != ["chunked"]:
            # As h11: another transfer coding (gzip, or chunked after it) is not unwrapped here,
            # and reading it as a plain body would hand on bytes that are not the answer.
            raise RemoteProtocolError("Only Transfer-Encoding: chunked is supported")
        if codings:
            while True:
                size_line = conn.line(timeout, MAX_LINE_BYTES)
                if size_line is None:
                    raise _cut_short("incomplete chunked read")
                size = _chunk_size(size_line)
                if size == 0:
                    self._fields(conn, 0)  # trailers: read, not used
                    return b"".join(chunks), True
                data = conn.exactly(size, timeout)
                if data is None:
                    raise _cut_short("incomplete chunked read")
                chunks.append(decoder.feed(data))
                end = conn.line(timeout, MAX_LINE_BYTES)
                if end is None:
                    raise _cut_short("incomplete chunked read")
                if end:
                    raise RemoteProtocolError("a chunk of the answer is longer than its size")
        lengths = set(headers.get_list("content-length"))
        if lengths and not codings:
            length = _content_length(lengths)
            received = 0
            while received < length:
                data = conn.some(timeout)
                if not data:
                    raise _cut_short(f"received {received} bytes, expected {length}")
                if received + len(data) > length:
                    conn.buffer[:0] = data[length - received :]
                    data = data[: length - received]
                received += len(data)
                chunks.append(decoder.feed(data))
            return b"".join(chunks), True
        # Neither: the body ends where the server closes the connection.
        while data := conn.some(timeout):
            chunks.append(decoder.feed(data))
        return b"".join(chunks), False


def _cut_short(detail: str) -> RemoteProtocolError:
    return RemoteProtocolError(
        f"peer closed connection without sending complete message body: {detail}"
    )


def _status_line(line: bytes) -> tuple[bytes, int, str]:
    version, _, rest = line.partition(b" ")
    code, _, reason = rest.partition(b" ")
    if (
        version not in (b"HTTP/1.1", b"HTTP/1.0")
        or len(code) != 3
        or not code.isdigit()
        or code < b"100"
    ):
        raise RemoteProtocolError(f"illegal status line: {line[:80]!r}")
    return version, int(code), reason.strip().decode("ascii", errors="ignore")


def _chunk_size(line: bytes) -> int:
    digits = line.split(b";", 1)[0].strip()
    try:
        # Hex digits only: int() would also take "0x5", "+5", "-1" or "0_5", and a size read
        # wrongly leaves the rest of the answer on the kept-alive connection for the next one.
        if not digits or len(digits) > 16 or not set(digits) <= _HEX_DIGITS:
            raise ValueError
        return int(digits, 16)
    except ValueError:
        raise RemoteProtocolError(f"illegal chunk size line: {line[:80]!r}") from None


def _content_length(values: set[str]) -> int:
    numbers = {v.strip() for value in values for v in value.split(",")}
    number = next(iter(numbers))
    # ASCII digits only (str.isdigit also takes "٥", which int() reads as 5).
    if len(numbers) != 1 or not (number.isascii() and number.isdigit()):
        raise RemoteProtocolError(f"bad Content-Length: {', '.join(sorted(values))[:80]!r}")
    return int(number)


def _codings(headers: Headers, field: str = "content-encoding") -> list[str]:
    values = ",".join(headers.get_list(field))
    return [c.strip().lower() for c in values.split(",") if c.strip()]


def _closes(headers: Headers) -> bool:
    return any(t.strip().lower() == "close" for t in headers.get("connection", "").split(","))


def _header_encoding(lines: list[bytes]) -> str:
    """ASCII, else UTF-8, else Latin-1 (which decodes anything): as httpx reads headers."""
    for encoding in ("ascii", "utf-8"):
        try:
            for line in lines:
                line.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "iso-8859-1"
