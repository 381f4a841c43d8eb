"""What the client and its two transports share: a finished answer (`Response`) and the ways an
exchange can fail without one, whatever library carried it.

The client sends through the light transport (`kconnect.api.light`, plain sockets) when the
worker is reached over plain HTTP without a proxy, and through httpx otherwise (TLS, client
certificates, proxies). Both hand back a `Response` whose body is fully read, and raise the
failures below. The failures carry httpx's names and messages, so that what the user reads (`no
answer from ... (ReadTimeout)`, `[Errno 111] Connection refused`) does not depend on the
transport. Import-free on purpose: this module is on the path of every command that talks to a
worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


class TransportError(Exception):
    """No complete HTTP answer: the request may or may not have reached the worker."""


class TimeoutException(TransportError):
    pass


class ConnectTimeout(TimeoutException):
    pass


class ReadTimeout(TimeoutException):
    pass


class WriteTimeout(TimeoutException):
    pass


class PoolTimeout(TimeoutException):
    pass


class NetworkError(TransportError):
    pass


class ConnectError(NetworkError):
    pass


class ReadError(NetworkError):
    pass


class WriteError(NetworkError):
    pass


class CloseError(NetworkError):
    pass


class ProtocolError(TransportError):
    pass


class LocalProtocolError(ProtocolError):
    pass


class RemoteProtocolError(ProtocolError):
    """The server's bytes are not a well-formed HTTP/1.1 answer, or it closed too early."""


class ProxyError(TransportError):
    pass


class UnsupportedProtocol(TransportError):
    pass


class DecodingError(TransportError):
    """A body whose Content-Encoding (gzip, deflate) does not decode."""


# By name: the httpx transport raises the same-named class for each httpx failure.
FAILURES: dict[str, type[TransportError]] = {
    cls.__name__: cls
    for cls in (
        TransportError,
        TimeoutException,
        ConnectTimeout,
        ReadTimeout,
        WriteTimeout,
        PoolTimeout,
        NetworkError,
        ConnectError,
        ReadError,
        WriteError,
        CloseError,
        ProtocolError,
        LocalProtocolError,
        RemoteProtocolError,
        ProxyError,
        UnsupportedProtocol,
        DecodingError,
    )
}


class Headers:
    """An answer's header fields in order, looked up without regard to case."""

    def __init__(self, fields: Iterable[tuple[str, str]] = ()) -> None:
        self.fields = list(fields)

    def get(self, name: str, default: Any = None) -> Any:
        """The field's value (several fields of one name joined by commas), or `default`."""
        wanted = name.lower()
        values = [value for key, value in self.fields if key.lower() == wanted]
        return ", ".join(values) if values else default

    def get_list(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.fields if key.lower() == wanted]

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return str(value)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key.lower() for key, _ in self.fields))

    def items(self) -> list[tuple[str, str]]:
        return list(self.fields)


class Response:
    """A complete answer: status, headers and the whole (decoded) body."""

    def __init__(
        self, status_code: int, reason_phrase: str, headers: Headers, content: bytes
    ) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.headers = headers
        self.content = content
        self._text: str | None = None

    @property
    def encoding(self) -> str:
        """The charset the Content-Type names (when Python knows it), else UTF-8: as httpx."""
        import codecs

        for param in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                charset = value.strip().strip("'\"")
                try:
                    return codecs.lookup(charset).name
                except LookupError:
                    break
        return "utf-8"

    @property
    def text(self) -> str:
        """The body as text; bytes the charset cannot decode become U+FFFD."""
        if self._text is None:
            self._text = self.content.decode(self.encoding, errors="replace")
        return self._text

    def json(self) -> Any:
        import json

        return json.loads(self.content)

    def __repr__(self) -> str:
        return f"<Response [{self.status_code} {self.reason_phrase}]>"
