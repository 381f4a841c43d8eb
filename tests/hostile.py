"""Small misbehaving HTTP servers on loopback, for what the fake worker cannot do: never
answer, answer one byte at a time, speak TLS to plain HTTP. Each connection is handed to
`behaviour(conn, request_bytes)` on its own thread; the server records what it was sent."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

Behaviour = Callable[[socket.socket, bytes], None]


class HostileServer:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.requests: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                conn.close()
        self._sock.close()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self._conns.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        data = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
        self.requests.append(data)
        with contextlib.suppress(OSError):
            self.behaviour(conn, data)


def sleep_until_stopped(server: HostileServer, seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not server.stopped:
        time.sleep(0.05)


@contextlib.contextmanager
def silent() -> Iterator[HostileServer]:
    """Accepts the connection, reads the request, never answers."""
    holder: list[HostileServer] = []
    with HostileServer(lambda conn, _: sleep_until_stopped(holder[0])) as server:
        holder.append(server)
        yield server


@contextlib.contextmanager
def trickle(head: bytes, body: bytes, every: float) -> Iterator[HostileServer]:
    """Sends `head` at once, then `body` one byte every `every` seconds."""
    holder: list[HostileServer] = []

    def behaviour(conn: socket.socket, _: bytes) -> None:
        conn.sendall(head)
        for byte in body:
            if holder[0].stopped:
                return
            conn.sendall(bytes([byte]))
            time.sleep(every)

    with HostileServer(behaviour) as server:
        holder.append(server)
        yield server


def answer(status: int, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
