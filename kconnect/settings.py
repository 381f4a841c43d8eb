"""Connection settings: where the Connect cluster is and how to authenticate.

Resolved from, strongest first: command-line flags, environment variables, the selected
context in the config file. Credentials never come from flags, so they stay out of shell
history and process listings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_URL = "http://localhost:8083"
# Workers give up on a herder request after 90 s and answer 500 "Request timed out"; waiting a
# little longer lets us see that answer instead of inventing our own timeout.
DEFAULT_READ_TIMEOUT = 95.0
DEFAULT_CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    initial_backoff: float = 0.2
    max_backoff: float = 5.0
    max_total: float = 60.0


@dataclass(frozen=True)
class ClientSettings:
    url: str = DEFAULT_URL
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    verify: bool | str = True  # False, True, or a CA bundle path
    client_cert: tuple[str, str] | None = None  # (certificate, key) for mTLS
    read_timeout: float = DEFAULT_READ_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    retry: RetryPolicy = RetryPolicy()




def resolve_client_settings(
    env: Mapping[str, str],
    *,
    url: str | None = None,
    ca_cert: str | None = None,
    insecure: bool = False,
    context: str | None = None,
) -> ClientSettings:
    """Settings from flags and `KCONNECT_*` environment variables."""
    del context  # contexts come with the config file support
    verify: bool | str = True
    if ca_cert or env.get("KCONNECT_CA_CERT"):
        verify = ca_cert or env["KCONNECT_CA_CERT"]
    if insecure:
        verify = False
    return ClientSettings(
        retry=_retry_policy(env),
        read_timeout=_number(env, "KCONNECT_TIMEOUT", DEFAULT_READ_TIMEOUT),
        url=url or env.get("KCONNECT_URL") or DEFAULT_URL,
        username=env.get("KCONNECT_USERNAME") or None,
        password=env.get("KCONNECT_PASSWORD"),
        token=env.get("KCONNECT_TOKEN") or None,
        verify=verify,
    )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    from kconnect.errors import ConfigError

    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {raw!r}")
    return value


def _retry_policy(env: Mapping[str, str]) -> RetryPolicy:
    """`KCONNECT_RETRIES` (attempts per request) and `KCONNECT_RETRY_MAX_SECONDS` (total)."""
    default = RetryPolicy()
    return RetryPolicy(
        attempts=max(1, int(_number(env, "KCONNECT_RETRIES", default.attempts))),
        max_total=_number(env, "KCONNECT_RETRY_MAX_SECONDS", default.max_total),
    )
