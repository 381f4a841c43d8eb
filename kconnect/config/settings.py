"""Connection settings: where the Connect cluster is and how to authenticate.

Resolved from, strongest first: command-line flags, environment variables, the selected
context in the config file (`kconnect.config.contexts`). Credentials never come from flags, so they
stay out of shell history and process listings; they come from environment variables or
files, and every resolved value remembers where it came from (`kconnect context show`).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kconnect.config.headers import HeaderSource, value_problem
from kconnect.errors import ConfigError
from kconnect.records import field, record

if TYPE_CHECKING:
    from kconnect.config.contexts import Context
    from kconnect.config.proxy import Proxy

DEFAULT_URL = "http://localhost:8083"
# Workers give up on a herder request after 90 s and answer 500 "Request timed out"; waiting a
# little longer lets us see that answer instead of inventing our own timeout.
DEFAULT_READ_TIMEOUT = 95.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_UNREACHABLE_TIMEOUT = 20.0
# A refused connection or an unknown host before the worker has answered anything in this run
# is almost always a wrong URL: say so quickly instead of retrying for the whole budget.
DEFAULT_FIRST_CONTACT_TIMEOUT = 0.5
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
MAX_ATTEMPTS = 100


@record
class RetryPolicy:
    attempts: int = 8
    initial_backoff: float = 0.2
    max_backoff: float = 5.0
    max_total: float = 60.0
    # A worker that has not answered anything for this long counts as dead: the command stops
    # retrying and fails what is left at once (one bound for the whole command, not per request).
    unreachable_timeout: float = DEFAULT_UNREACHABLE_TIMEOUT
    # The same bound while nothing has answered yet and the connection is refused or the name
    # does not resolve; None: `unreachable_timeout` (set explicitly, or a reconcile loop).
    first_contact_timeout: float | None = DEFAULT_FIRST_CONTACT_TIMEOUT


@record
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
    # Custom headers sent with every request (name, value); `secret_headers` names those
    # whose values are masked everywhere.
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    secret_headers: frozenset[str] = frozenset()
    # Where `url` came from ("--url", "env KCONNECT_URL", "context prod (file:line)",
    # "default"), for the error that says the worker cannot be reached.
    url_origin: str = "default"
    proxy: Proxy | None = None  # from HTTP(S)_PROXY / ALL_PROXY, unless NO_PROXY names the host
    # "auto": plain HTTP without a proxy goes over kconnect's light transport, the rest over
    # httpx; "httpx": everything over httpx (KCONNECT_HTTP_CLIENT).
    http_client: str = "auto"

    @property
    def auth_kind(self) -> str:
        if self.token:
            return "bearer"
        if self.username is not None:
            return "basic"
        return "mtls" if self.client_cert else "none"

    def secret_values(self) -> list[str]:
        """Every form in which a credential could be written: the raw password and token and
        the encoded `Authorization` header values, for the output redaction safety net."""
        from kconnect.output.redaction import url_user_passwords, user_password_forms

        values = [v for v in (self.password, self.token) if v]
        for name, value in self.headers:
            if name in self.secret_headers and value:
                # `Authorization: Bearer abc`: the credential alone may be echoed too.
                values += [value, value.partition(" ")[2] or value]
        # `http://user:PASSWORD@host` (KCONNECT_URL, --url): sent as a Basic header
        for user, password in url_user_passwords(self.url):
            values += [password, *user_password_forms(user, password)]
        if self.proxy is not None:  # HTTPS_PROXY=http://user:PASSWORD@proxy
            for user, password in url_user_passwords(self.proxy.url):
                values += [password, *user_password_forms(user, password)]
        if self.token:
            values.append(f"Bearer {self.token}")
        if self.username is not None and self.password:
            import base64  # only with a password: every command that talks to a worker asks

            raw = f"{self.username}:{self.password}".encode()
            values.append(base64.b64encode(raw).decode("ascii"))
        return values


@record
class Resolution:
    """Settings plus, for each one, where it came from (never the secret values)."""

    settings: ClientSettings
    context: str | None
    config_path: Path
    origins: Mapping[str, str]
    problems: tuple[str, ...] = ()


def resolve_client_settings(
    env: Mapping[str, str],
    *,
    url: str | None = None,
    ca_cert: str | None = None,
    insecure: bool = False,
    context: str | None = None,
    unreachable_timeout: float | None = None,
    headers: Sequence[HeaderSource] = (),
) -> ClientSettings:
    """Settings from flags, `KCONNECT_*` environment variables and the selected context.
    Raises `ConfigError` when a credential or TLS file named anywhere is unusable."""
    resolution = resolve(
        env,
        url=url,
        ca_cert=ca_cert,
        insecure=insecure,
        context=context,
        unreachable_timeout=unreachable_timeout,
        headers=headers,
    )
    if resolution.problems:
        raise ConfigError(resolution.problems[0])
    return resolution.settings


def resolve(
    env: Mapping[str, str],
    *,
    url: str | None = None,
    ca_cert: str | None = None,
    insecure: bool = False,
    context: str | None = None,
    unreachable_timeout: float | None = None,
    headers: Sequence[HeaderSource] = (),
) -> Resolution:
    """Like `resolve_client_settings`, but collects problems instead of raising on them (for
    `context show`). Errors in the config file itself still raise."""
    from kconnect.config.contexts import load_config
    from kconnect.config.proxy import proxy_for

    config = load_config(env, wanted=context)
    layers = _Layers(
        env, config.select(context), config.path, url=url, ca_cert=ca_cert, insecure=insecure
    )
    resolved_url = layers.url()
    verify = layers.verify()
    client_cert = layers.client_cert()
    username, password, token = layers.credentials()
    sent, secret_headers = layers.headers(headers, has_auth=bool(token or username is not None))
    settings = ClientSettings(
        retry=_retry_policy(env, unreachable_timeout),
        read_timeout=_number(env, "KCONNECT_TIMEOUT", DEFAULT_READ_TIMEOUT),
        url=resolved_url,
        url_origin=layers.origins["url"],
        username=username,
        password=password,
        token=token,
        verify=verify,
        client_cert=client_cert,
        proxy=proxy_for(resolved_url, env),
        http_client=_http_client(env),
        headers=sent,
        secret_headers=secret_headers,
    )
    if settings.proxy is not None:
        layers.origins["proxy"] = f"env {settings.proxy.variable}"
    name = layers.ctx.name if layers.ctx else None
    return Resolution(settings, name, config.path, layers.origins, tuple(layers.problems))


class _Layers:
    """Flags, then environment variables, then the context: the first that says something
    wins. Records where each value came from, and every problem found."""

    def __init__(
        self,
        env: Mapping[str, str],
        ctx: Context | None,
        path: Path,
        *,
        url: str | None,
        ca_cert: str | None,
        insecure: bool,
    ) -> None:
        self.env, self.ctx, self.path = env, ctx, path
        self.flag_url, self.flag_ca, self.flag_insecure = url, ca_cert, insecure
        self.origins: dict[str, str] = {}
        self.problems: list[str] = []

    def _ctx_origin(self, key: str) -> str:
        assert self.ctx is not None
        return self.ctx.origin(key, self.path)

    def url(self) -> str:
        """The first source that is set wins, and must be a usable URL: an empty `--url ''`
        (an unset CI variable) or `KCONNECT_URL=` never falls back to another cluster."""
        from kconnect.config.urls import check_url

        env, ctx = self.env, self.ctx
        if self.flag_url is not None:
            self.origins["url"] = "--url"
            return check_url(self.flag_url, "--url")
        if "KCONNECT_URL" in env:
            self.origins["url"] = "env KCONNECT_URL"
            return check_url(env["KCONNECT_URL"], "KCONNECT_URL")
        if ctx is not None and ctx.url:
            self.origins["url"] = self._ctx_origin("url")
            line = ctx.lines.get("url")
            where = f"{self.path}:{line}: " if line else ""
            return check_url(ctx.url, f"{where}context {ctx.name!r}: url")
        self.origins["url"] = "default"
        return DEFAULT_URL

    def verify(self) -> bool | str:
        """The strongest layer that says anything wins; within a layer, "insecure" beats a
        CA bundle."""
        env, ctx = self.env, self.ctx
        layers: list[tuple[bool, str | None, str, str]] = [
            (self.flag_insecure, self.flag_ca, "--insecure", "--ca-cert"),
            (
                env_flag(env, "KCONNECT_INSECURE"),
                env.get("KCONNECT_CA_CERT") or None,
                "env KCONNECT_INSECURE",
                "env KCONNECT_CA_CERT",
            ),
        ]
        if ctx is not None:
            layers.append(
                (
                    ctx.insecure,
                    ctx.ca_cert,
                    self._ctx_origin("insecure"),
                    self._ctx_origin("ca_cert"),
                )
            )
        for layer_insecure, layer_ca, insecure_origin, ca_origin in layers:
            if layer_insecure:
                self.origins["verify"] = insecure_origin
                return False
            if layer_ca:
                path = str(Path(layer_ca).expanduser())
                self.origins["verify"] = ca_origin
                self.problems.extend(_file_problems("CA bundle", path, ca_origin))
                return path
        self.origins["verify"] = "default (system CA bundle)"
        return True

    def client_cert(self) -> tuple[str, str] | None:
        env, ctx = self.env, self.ctx
        cert: tuple[str, str] | None = None
        env_cert, env_key = env.get("KCONNECT_CLIENT_CERT"), env.get("KCONNECT_CLIENT_KEY")
        if env_cert or env_key:
            if not (env_cert and env_key):
                self.problems.append(
                    "set both KCONNECT_CLIENT_CERT and KCONNECT_CLIENT_KEY, or neither"
                )
                return None
            cert = (str(Path(env_cert).expanduser()), str(Path(env_key).expanduser()))
            self.origins["client_cert"] = "env KCONNECT_CLIENT_CERT"
            self.origins["client_key"] = "env KCONNECT_CLIENT_KEY"
        elif ctx is not None and ctx.client_cert and ctx.client_key:
            cert = (ctx.client_cert, ctx.client_key)
            self.origins["client_cert"] = self._ctx_origin("client_cert")
            self.origins["client_key"] = self._ctx_origin("client_key")
        if cert is None:
            return None
        self.problems.extend(
            _file_problems("client certificate", cert[0], self.origins["client_cert"])
        )
        self.problems.extend(_file_problems("client key", cert[1], self.origins["client_key"]))
        return cert

    def credentials(self) -> tuple[str | None, str | None, str | None]:
        """(username, password, token). `KCONNECT_TOKEN` or `KCONNECT_USERNAME` override the
        context's auth; `KCONNECT_PASSWORD` overrides the context's password source."""
        env, ctx = self.env, self.ctx
        username: str | None = None
        password: str | None = None
        token: str | None = None
        if env.get("KCONNECT_TOKEN"):
            token, self.origins["token"] = env["KCONNECT_TOKEN"], "env KCONNECT_TOKEN"
        elif env.get("KCONNECT_USERNAME"):
            username = env["KCONNECT_USERNAME"]
            self.origins["username"] = "env KCONNECT_USERNAME"
        elif ctx is not None and ctx.auth == "basic":
            username, self.origins["username"] = ctx.username, self._ctx_origin("username")
        elif ctx is not None and ctx.auth == "bearer":
            token = self._secret("token", ctx.token_env, ctx.token_file)
        bearer = f"Bearer {(token or '').strip()}"
        if token is not None and (problem := value_problem("Authorization", bearer)):
            # Sent as `Authorization: Bearer <token>`: a header's rules, the token never quoted.
            self.problems.append(f"the token ({self.origins['token']}): {problem}")
            token = None
        if username is not None:
            if "KCONNECT_PASSWORD" in env:
                password = env["KCONNECT_PASSWORD"]
                self.origins["password"] = "env KCONNECT_PASSWORD"
            elif ctx is not None and ctx.auth == "basic":
                password = self._secret("password", ctx.password_env, ctx.password_file)
            else:
                self.origins["password"] = "not set (empty password)"
        elif token is None and env.get("KCONNECT_PASSWORD"):
            self.problems.append(
                "KCONNECT_PASSWORD is set but there is no username: set KCONNECT_USERNAME, or "
                "use a context with auth: basic"
            )
        return username, password, token

    def headers(
        self, flags: Sequence[HeaderSource], *, has_auth: bool
    ) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
        """The context's headers, overridden by name (ignoring case) by --header and
        --header-env; each value read from where it is kept."""
        chosen: dict[str, tuple[HeaderSource, str]] = {}
        if self.ctx is not None:
            for source in self.ctx.headers:
                where = f"context {self.ctx.name} ({self.path}:{source.line})"
                chosen[source.name.lower()] = (source, where)
        for source in flags:
            where = f"--header-env {source.env}" if source.env else "--header"
            chosen[source.name.lower()] = (source, where)
        sent: list[tuple[str, str]] = []
        secret: set[str] = set()
        for source, where in chosen.values():
            if has_auth and source.name.lower() == "authorization":
                self.problems.append(
                    f"an Authorization header ({where}) conflicts with the basic or bearer "
                    "credentials also configured"
                )
                continue
            value = self._header_value(source, where)
            if value is None:
                continue
            if problem := value_problem(source.name, value):
                self.problems.append(f"{problem} ({where})")
                continue
            sent.append((source.name, value))
            if source.secret:
                secret.add(source.name)
        return tuple(sent), frozenset(secret)

    def _header_value(self, source: HeaderSource, where: str) -> str | None:
        key = f"header {source.name}"
        if source.value is not None:
            self.origins[key] = where
            return source.value
        if source.env is not None:
            self.origins[key] = f"env {source.env} ({where})"
            value = self.env.get(source.env)
            if not value:
                self.problems.append(
                    f"environment variable {source.env} is not set (header {source.name}, {where})"
                )
                return None
            return value
        assert source.file is not None
        self.origins[key] = f"file {source.file} ({where})"
        try:
            value = Path(source.file).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            self.problems.append(
                f"cannot read the file of header {source.name}: {reason} ({where})"
            )
            return None
        return value

    def _secret(self, what: str, env_name: str | None, file_name: str | None) -> str | None:
        """A credential named by the context: `<what>_env` (a variable) or `<what>_file`."""
        if env_name:
            value = self.env.get(env_name)
            # A name that is not set and does not look like one (UPPER_SNAKE) may be the
            # secret written where its variable's name belongs: name the key, not the value.
            shown = env_name if value or _CONVENTIONAL_ENV_NAME.fullmatch(env_name) else None
            where = self._ctx_origin(f"{what}_env")
            origin = f"env {shown} ({what}_env in {where})" if shown else f"{what}_env in {where}"
            self.origins[what] = origin
            if not value:
                variable = (
                    f"environment variable {shown}"
                    if shown
                    else (f"the environment variable named by {what}_env")
                )
                self.problems.append(f"{variable} is not set ({origin})")
                return None
            return value
        if file_name:
            where = self._ctx_origin(f"{what}_file")
            # A path that does not exist may be the secret itself: it is not quoted then.
            exists = os.path.lexists(file_name)
            origin = (
                f"file {file_name} ({what}_file in {where})"
                if exists
                else f"{what}_file in {where}"
            )
            self.origins[what] = origin
            try:
                value = Path(file_name).read_text(encoding="utf-8").rstrip("\r\n")
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or type(exc).__name__
                named = (
                    f"the {what} file {file_name}"
                    if exists
                    else f"the {what} file named by {what}_file"
                )
                self.problems.append(f"cannot read {named}: {reason} ({origin})")
                return None
            if not value:
                self.problems.append(f"the {what} file {file_name} is empty ({origin})")
                return None
            return value
        self.origins[what] = "not set"
        return None


PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def proxy_secret_values(env: Mapping[str, str]) -> list[str]:
    """The passwords in the proxy variables' user info (`http://user:PASSWORD@proxy:3128`),
    with the `user:password` forms a `Proxy-Authorization` header (and a 407 page quoting
    it) carries: secrets like any other credential."""
    from kconnect.output.redaction import url_user_passwords, user_password_forms

    values: list[str] = []
    for name in PROXY_VARIABLES:
        for user, password in url_user_passwords(env.get(name) or ""):
            values += [password, *user_password_forms(user, password)]
    return values


_CONVENTIONAL_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


def _file_problems(what: str, path: str, origin: str) -> list[str]:
    if not os.path.exists(path):
        return [f"{what} {path} does not exist (from {origin})"]
    if not os.path.isfile(path):
        return [f"{what} {path} is not a file (from {origin})"]
    if not os.access(path, os.R_OK):
        return [f"{what} {path} cannot be read: permission denied (from {origin})"]
    return []


def env_flag(env: Mapping[str, str], name: str) -> bool:
    """A yes/no environment variable; anything else is an error naming it, like a bad flag
    (`KCONNECT_INSECURE=maybe` must not quietly mean "verify")."""
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false (1/0, yes/no, on/off), not {env[name]!r}")


def _number(
    env: Mapping[str, str], name: str, default: float, *, maximum: float | None = None
) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, not {raw!r}")
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {raw!r}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum:g}, not {raw!r}")
    return value


HTTP_CLIENTS = ("auto", "httpx")


def _http_client(env: Mapping[str, str]) -> str:
    """`KCONNECT_HTTP_CLIENT`: `auto` (the default) or `httpx`."""
    raw = env.get("KCONNECT_HTTP_CLIENT", "").strip().lower() or "auto"
    if raw not in HTTP_CLIENTS:
        raise ConfigError(
            f"KCONNECT_HTTP_CLIENT must be one of {', '.join(HTTP_CLIENTS)}, "
            f"not {env['KCONNECT_HTTP_CLIENT']!r}"
        )
    return raw


def _attempts(env: Mapping[str, str], default: int) -> int:
    value = _number(env, "KCONNECT_RETRIES", default, maximum=MAX_ATTEMPTS)
    if value != int(value):
        raw = env["KCONNECT_RETRIES"]
        raise ConfigError(f"KCONNECT_RETRIES must be a whole number, not {raw!r}")
    return int(value)


def _retry_policy(env: Mapping[str, str], unreachable_timeout: float | None) -> RetryPolicy:
    """`KCONNECT_RETRIES` (attempts per request), `KCONNECT_RETRY_MAX_SECONDS` (total per
    request) and `--unreachable-timeout` / `KCONNECT_UNREACHABLE_TIMEOUT` (whole command)."""
    default = RetryPolicy()
    explicit = unreachable_timeout is not None or bool(env.get("KCONNECT_UNREACHABLE_TIMEOUT"))
    if unreachable_timeout is None:
        unreachable_timeout = _number(
            env, "KCONNECT_UNREACHABLE_TIMEOUT", DEFAULT_UNREACHABLE_TIMEOUT
        )
    return RetryPolicy(
        attempts=_attempts(env, default.attempts),
        max_total=_number(env, "KCONNECT_RETRY_MAX_SECONDS", default.max_total),
        unreachable_timeout=unreachable_timeout,
        first_contact_timeout=None if explicit else default.first_contact_timeout,
    )
