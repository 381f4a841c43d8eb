"""Which proxy, if any, requests to the worker go through: read from the environment like any
other input, and checked before any request.

The variables are those curl, httpx and requests read: `HTTPS_PROXY` for an https:// worker,
`HTTP_PROXY` for an http:// one, `ALL_PROXY` for both (in any spelling; the lower-case one
wins, even empty, as urllib reads them for httpx and requests), and `NO_PROXY`: hosts (and
their subdomains), `host:port`, IP addresses, CIDR networks or `*`. A value that is not a
usable proxy URL is an error naming the variable, never a traceback from deep inside the HTTP
library; kconnect speaks to HTTP(S) proxies only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

from kconnect.config.urls import without_userinfo
from kconnect.errors import ConfigError
from kconnect.records import record


@record
class Proxy:
    url: str  # as given, with any credentials (a secret: never shown)
    variable: str  # the environment variable it came from

    @property
    def shown(self) -> str:
        """The proxy URL without its user info, for messages."""
        return without_userinfo(self.url)


def proxy_for(url: str, env: Mapping[str, str]) -> Proxy | None:
    """The proxy for requests to `url` (the worker), or None for a direct connection."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    chosen = _variable(env, f"{scheme}_proxy") or _variable(env, "all_proxy")
    if chosen is None:
        return None
    variable, value = chosen
    host = (parts.hostname or "").lower()
    if _bypassed(host, parts.port, env):
        return None
    return Proxy(_checked(variable, value.strip()), variable)


def _variable(env: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """The variable `name` (lower case) and its value, as urllib's `getproxies` reads it for
    httpx and requests: the lower-case spelling wins even when empty (which unsets it), else
    any other spelling (`HTTP_PROXY`, `Http_Proxy`); None when unset or blank."""
    if name in env:
        return (name, env[name]) if env[name].strip() else None
    found = [(key, value) for key, value in env.items() if key.lower() == name]
    return next(((key, value) for key, value in sorted(found) if value.strip()), None)


def _checked(variable: str, value: str) -> str:
    shown = without_userinfo(value)
    if "://" not in value:
        value = f"http://{value}"  # as curl and httpx read `proxy:3128`
    bad = f"{variable}={shown!r} is not a usable proxy URL"
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ConfigError(f"{bad}: it contains spaces or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{bad}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme.startswith("socks"):
        raise ConfigError(
            f"{variable}={shown!r}: kconnect speaks to HTTP(S) proxies only, not SOCKS; use an "
            f"HTTP proxy, or unset {variable} (or list the worker's host in NO_PROXY)"
        )
    if scheme not in ("http", "https"):
        raise ConfigError(f"{bad}: the scheme must be http:// or https://, not {scheme}://")
    if not parts.hostname:
        raise ConfigError(f"{bad}: it names no host")
    if port == 0:
        raise ConfigError(f"{bad}: port 0")
    return value


def _bypassed(host: str, port: int | None, env: Mapping[str, str]) -> bool:
    """Whether NO_PROXY (or no_proxy, which wins) names `host`."""
    _, raw = _variable(env, "no_proxy") or ("", "")
    for entry in (e.strip().lower() for e in raw.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        entry_host, entry_port = entry, None
        if entry.startswith("["):  # [::1]:8083
            entry_host, _, rest = entry[1:].partition("]")
            entry_port = rest[1:] if rest.startswith(":") else None
        elif entry.count(":") == 1:
            entry_host, entry_port = entry.split(":")
        if entry_port is not None and str(port) != entry_port:
            continue
        if _host_matches(host, entry_host.lstrip(".")):
            return True
    return False


def _host_matches(host: str, entry: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == entry or host.endswith("." + entry)
    try:
        return address in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
