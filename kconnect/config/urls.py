"""The worker's URL, checked before any request: wherever it came from (`--url`,
`KCONNECT_URL`, a context, the default), a URL that cannot mean a Connect worker is an error
naming that source — never a fall-back to another source, and never 18 s of retries of
something that was never sent."""

from __future__ import annotations

from urllib.parse import urlsplit

from kconnect.errors import ConfigError, KconnectError, UsageError


def without_userinfo(value: str) -> str:
    """`value` with any `user:password@` replaced by `***@`, for messages."""
    scheme, sep, rest = value.partition("://")
    if not sep:
        scheme, rest = "", value
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rsplit("@", 1)[1]
    return f"{scheme}{sep}{authority}{slash}{path}"


def check_url(value: str, source: str) -> str:
    """`value` if it is a usable http(s) URL; otherwise an error naming `source` ("--url" is a
    usage error, exit 64; an environment variable or a context, exit 1)."""
    error: type[KconnectError] = UsageError if source == "--url" else ConfigError
    shown = without_userinfo(value)
    if not value.strip():
        hint = ' (an unset variable in --url "$VAR"?)' if source == "--url" else ""
        raise error(
            f"{source} is empty{hint}: it must be the worker's URL, like http://connect:8083"
        )
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise error(f"{source} {shown!r} contains spaces or control characters")
    if "://" not in value:
        raise error(f"{source} {shown!r} has no scheme: write http://{shown} (or https:// for TLS)")
    bad = f"{source} {shown!r} is not a usable URL"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        reason = "its port must be a number from 1 to 65535" if "ort" in str(exc) else str(exc)
        raise error(f"{bad}: {reason}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise error(f"{bad}: the scheme must be http:// or https://, not {scheme}://")
    if not parts.hostname:
        raise error(f"{bad}: it names no host")
    if port == 0:
        raise error(f"{bad}: its port must be a number from 1 to 65535")
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise error(f"{bad}: it must not hold a query (?…) or a fragment (#…)")
    return value
