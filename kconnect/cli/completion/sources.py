"""Values completion reads from outside the command line: contexts and live connectors.

Both are best effort: any problem (no config file, a bad one, an unreachable or slow worker)
means no candidates, never an error. A shell waits for the answer on every TAB, so a worker
that does not answer must cost a fraction of a second, not the client's usual retries and
95 s read timeout: the cluster is read with one request that has `KCONNECT_COMPLETE_TIMEOUT`
seconds (default 0.15) from connect to the last byte, started in a thread before typer is
even imported (`prefetch_connectors`), so that the wait for the worker overlaps kconnect's
own start. One plain-socket request, not httpx (or
http.client, which imports the email package): importing either costs a good part of the
budget.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kconnect.config.settings import ClientSettings

DEFAULT_TIMEOUT = 0.15
_MAX_BODY = 8 * 1024 * 1024


def context_names(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """(name, url) of every context in the config file."""
    from kconnect.config.contexts import load_config

    try:
        config = load_config(env)
    except Exception:  # a broken config file offers nothing
        return []
    return [(name, context.url or "") for name, context in config.contexts.items()]


def network_budget(env: Mapping[str, str]) -> float:
    try:
        return float(env.get("KCONNECT_COMPLETE_TIMEOUT") or DEFAULT_TIMEOUT)
    except ValueError:
        return DEFAULT_TIMEOUT


ConnectionKey = tuple[str | None, str | None, str | None, bool]


class _Fetch(threading.Thread):
    """Reads the connectors of one cluster; the network part has `budget` seconds from the
    moment the request starts (the settings are resolved first, off the budget: that is
    kconnect's own work, which a loaded machine slows, not the worker's)."""

    def __init__(self, env: Mapping[str, str], key: ConnectionKey) -> None:
        super().__init__(daemon=True)
        self.env, self.key = env, key
        self.started_at = time.monotonic()
        self.deadline: float | None = None  # set when the request starts
        self.result: list[tuple[str, str]] = []

    def run(self) -> None:
        from kconnect.config.settings import resolve_client_settings

        url, context, ca_cert, insecure = self.key
        try:
            settings = resolve_client_settings(
                self.env,
                url=url,
                ca_cert=ca_cert,
                insecure=insecure,
                context=context or self.env.get("KCONNECT_CONTEXT"),
            )
            self.deadline = time.monotonic() + network_budget(self.env)
            answer = json.loads(_get(settings, "/connectors?expand=status", self.deadline))
        except Exception:  # unreachable, slow, refused, unparsable: offer nothing
            return
        if isinstance(answer, list):  # a worker without ?expand support
            self.result = sorted((str(name), "") for name in answer)
        elif isinstance(answer, dict):
            self.result = sorted((str(name), _state(entry)) for name, entry in answer.items())

    def wait(self) -> list[tuple[str, str]]:
        while self.is_alive():
            if self.deadline is None:  # still resolving settings
                if time.monotonic() - self.started_at > _SETTINGS_CAP:
                    return []
                self.join(0.005)
                continue
            left = self.deadline - time.monotonic()
            if left <= 0:
                return []
            self.join(left)
        return self.result


_SETTINGS_CAP = 2.0  # a credentials file on a hung mount must not hold the prompt either
_fetches: dict[ConnectionKey, _Fetch] = {}


def prefetch_connectors(env: Mapping[str, str], key: ConnectionKey) -> None:
    """Start reading the connectors of the cluster `key` names (url, context, ca_cert,
    insecure) in the background; `connector_names` with the same key picks the result up."""
    if key not in _fetches:
        _fetches[key] = fetch = _Fetch(env, key)
        fetch.start()


def connector_names(env: Mapping[str, str], key: ConnectionKey) -> list[tuple[str, str]]:
    """(name, state) of every connector on the cluster, or nothing within the budget."""
    prefetch_connectors(env, key)
    return _fetches[key].wait()


def _state(entry: Any) -> str:
    try:
        return str(entry["status"]["connector"]["state"])
    except (KeyError, TypeError):
        return ""


def _get(settings: ClientSettings, path: str, deadline: float) -> bytes:
    """One HTTP/1.0 GET on a plain socket (so the worker answers without chunking and closes
    the connection); every socket operation gets only what is left of the deadline, so a
    worker that accepts the connection and never answers cannot hold the prompt."""
    import base64
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(settings.url)
    host = parts.hostname or "localhost"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    headers = [f"GET {parts.path.rstrip('/')}{path} HTTP/1.0", f"Host: {parts.netloc}"]
    headers.append("Accept: application/json")
    if settings.token:
        headers.append(f"Authorization: Bearer {settings.token}")
    elif settings.username is not None:
        raw = f"{settings.username}:{settings.password or ''}".encode()
        headers.append("Authorization: Basic " + base64.b64encode(raw).decode("ascii"))
    request = ("\r\n".join(headers) + "\r\n\r\n").encode()
    sock = socket.create_connection((host, port), timeout=_left(deadline))
    try:
        if parts.scheme == "https":
            sock = _ssl_context(settings).wrap_socket(sock, server_hostname=host)
        sock.settimeout(_left(deadline))
        sock.sendall(request)
        answer = bytearray()
        while chunk := _recv(sock, deadline):
            answer += chunk
            if len(answer) > _MAX_BODY:
                raise OSError("answer too large")
    finally:
        sock.close()
    head, _, body = bytes(answer).partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    if len(status) < 2 or status[1] != b"200":
        raise OSError(f"unexpected answer {head[:40]!r}")
    return body


def _recv(sock: Any, deadline: float) -> bytes:
    sock.settimeout(_left(deadline))
    return bytes(sock.recv(65536))


def _left(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("completion deadline passed")
    return remaining


def _ssl_context(settings: ClientSettings) -> Any:
    import ssl

    if isinstance(settings.verify, str):
        context = ssl.create_default_context(cafile=settings.verify)
    else:
        context = ssl.create_default_context()
        if settings.verify is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    if settings.client_cert:
        context.load_cert_chain(*settings.client_cert)
    return context
