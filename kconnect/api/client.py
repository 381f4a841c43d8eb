"""The one module that talks to the Kafka Connect REST API.

Retries live here and only here. The policy follows what real workers do
(see docs: connect-rest-api.md §1, §6):
- 409 (rebalance, no leader, stale config), 500 "rebalance is expected", 503 (502/504 for a
  read) and failures to connect are transient: retried with bounded, jittered exponential
  backoff.
- Other 4xx are final.
- A write whose outcome is unknown (worker's 500 "Request timed out", a gateway's 502/504, a read
  timeout or a connection dropped after the request went out) is never repeated here:
  `UnknownOutcome` goes up so the caller re-reads the connector and decides.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from kconnect import __version__
from kconnect.api import answers, wire
from kconnect.api.answers import error_message
from kconnect.api.retry import (
    Reachability,
    Transient,
    forward_failure,
    is_rebalance_500,
    is_request_timed_out,
)
from kconnect.api.tls import uses_tls
from kconnect.api.transport import (
    MAX_ANSWER_BYTES,
    AnswerTooLarge,
    Attempt,
    DeadlineExceeded,
    Notices,
    TlsProbe,
    serving,
)
from kconnect.config.settings import ClientSettings
from kconnect.errors import (
    ApiError,
    ConflictError,
    ConnectError,
    ConnectUnreachable,
    NotFoundError,
    Redirected,
    UnexpectedAnswer,
    UnknownOutcome,
    UnsupportedByWorker,
)
from kconnect.output.redaction import shorten
from kconnect.records import field, record

if TYPE_CHECKING:
    import logging

    from kconnect.api.light import LightTransport
    from kconnect.api.transport import HttpxTransport

_IDEMPOTENT = frozenset({"GET", "HEAD"})
# Connections one client keeps open at most (the bulk writers send up to 32 at once).
MAX_CONNECTIONS = 64


def _log() -> logging.Logger:
    """The client's logger, imported when there is something to log: logging costs start-up
    time, and a plan that goes well logs nothing."""
    import logging

    return logging.getLogger("kconnect.client")


@record(frozen=False)
class ClientStats:
    """Counts for `-v` output and benchmarks; guarded because writes run in threads."""

    requests: int = 0
    retries: int = 0
    conflicts: int = 0  # 409s and "rebalance is expected" answers that were retried
    by_method: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def count(self, method: str) -> None:
        with self._lock:
            self.requests += 1
            self.by_method[method] = self.by_method.get(method, 0) + 1

    def count_retry(self, *, conflict: bool = False) -> None:
        with self._lock:
            self.retries += 1
            self.conflicts += conflict
        if conflict:
            self._local.conflicts = self.thread_conflicts() + 1

    def thread_conflicts(self) -> int:
        """Conflicts seen by requests of the calling thread: the parallel executor's signal
        that the cluster is rebalancing under the load."""
        return int(getattr(self._local, "conflicts", 0))


def _path(*segments: str) -> str:
    return "/" + "/".join(quote(s, safe="") for s in segments)


class ConnectClient:
    """Typed access to one Connect cluster. Thread-safe: one transport (and its pool of
    kept-alive connections) shared by threads."""

    def __init__(self, settings: ClientSettings):
        self.settings = settings
        self.stats = ClientStats()
        self.reachability = Reachability(
            settings.retry.unreachable_timeout,
            first_contact_timeout=settings.retry.first_contact_timeout,
        )
        self._headers = _request_headers(settings)
        self._transport = _transport(settings)
        self._notices = Notices(settings.url, "KCONNECT_TIMEOUT")
        self._tls_probe = _tls_probe(settings)

    @property
    def transport_name(self) -> str:
        """ "light" (plain sockets) or "httpx": which carries this client's requests."""
        from kconnect.api.light import LightTransport

        return "light" if isinstance(self._transport, LightTransport) else "httpx"

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> ConnectClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the request loop -------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | list[tuple[str, str]] | None = None,
    ) -> wire.Response:
        """Send one logical request, retrying transient failures; raise typed errors."""
        started = time.monotonic()
        # Seconds left before the worker counts as dead, set by the last unanswered attempt.
        left: list[float] = []

        def attempt() -> wire.Response:
            self.reachability.check()
            try:
                response = self._attempt(method, path, json, params)
            except Transient as exc:
                if isinstance(exc.cause, ConnectUnreachable):
                    left.append(self.reachability.no_answer(exc.cause, refused=exc.refused))
                raise
            return response

        try:
            return attempt()
        except Transient as first:
            return self._retry(method, path, attempt, first=first, started=started, left=left)

    def _retry(
        self,
        method: str,
        path: str,
        attempt: Callable[[], wire.Response],
        *,
        first: Transient,
        started: float,
        left: list[float],
    ) -> wire.Response:
        """The attempts after a first one failed with a transient error, until one succeeds or
        the budget is spent. tenacity is imported here, when a retry is needed: most commands
        never retry, and the import costs start-up time."""
        from tenacity import (
            RetryError,
            Retrying,
            retry_if_exception_type,
            wait_exponential,
            wait_random,
        )

        policy = self.settings.retry
        # Exponential backoff plus jitter, so that parallel writers hitting the same
        # rebalance do not retry in lockstep.
        backoff = wait_exponential(
            multiplier=policy.initial_backoff, max=policy.max_backoff
        ) + wait_random(0, policy.initial_backoff)

        def wait(state: Any) -> float:
            delay = float(backoff(state))
            return min(delay, left[-1]) if left else delay

        def before_sleep(state: Any) -> None:
            cause = state.outcome.exception()
            reason = cause.cause if isinstance(cause, Transient) else cause
            self.stats.count_retry(conflict=_is_conflict(reason))
            attempt = f"{state.attempt_number + 1}/{policy.attempts}"
            unreachable = isinstance(reason, ConnectUnreachable)
            # On first contact the few quick retries stay quiet: the error follows in seconds.
            quiet = self.reachability.first_contact()
            if (
                unreachable
                and not quiet
                and self.reachability.should_notice(state.attempt_number + 1)
            ):
                # Visible without -v: a dead worker must not look like a hung command.
                _log().warning(
                    "worker unreachable, retrying in %s (%s): %s",
                    _seconds(state.upcoming_sleep),
                    attempt,
                    reason,
                )
            _log().info("retrying %s %s (attempt %s) after: %s", method, path, attempt, reason)

        def stop(state: Any) -> bool:
            # The budget counts from the first attempt, made before tenacity was imported.
            return (
                state.attempt_number >= policy.attempts
                or time.monotonic() - started >= policy.max_total
                or (bool(left) and left[-1] <= 0)
            )

        failed = [first]

        def attempts() -> wire.Response:
            if failed:  # the first attempt, already made: tenacity sees it fail
                raise failed.pop()
            return attempt()

        retrying = Retrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception_type(Transient),
            before_sleep=before_sleep,
            reraise=False,
        )
        try:
            return retrying(attempts)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            error = last.cause if isinstance(last, Transient) else last
            if isinstance(error, ConnectUnreachable):
                if not self.reachability.ever_answered:
                    error = ConnectUnreachable(error.message + self._url_hint())
                self.reachability.give_up(error)
            raise error from None  # type: ignore[misc]

    def _attempt(
        self,
        method: str,
        path: str,
        body: Any,
        params: Any,
    ) -> wire.Response:
        self.stats.count(method)
        if _log_enabled(10):  # DEBUG
            _log().debug("%s %s", method, path)
        response = self._exchange(method, path, body, params)
        self.reachability.answered()
        return self._classify(method, path, response)

    def _exchange(self, method: str, path: str, body: Any, params: Any) -> wire.Response:
        """One request and its whole answer, within the deadline; transport failures raised
        as retryable, final, or of unknown outcome."""
        shown = _where(path, params)
        headers = self._headers
        content = None
        if body is not None:
            content = _json_body(body)
            headers = [*headers, ("Content-Type", "application/json")]
        attempt = Attempt(method, shown, self.settings.read_timeout)
        self._notices.begin(attempt)
        serving(attempt)
        try:
            response = self._transport.send(
                method, shown, headers, content, attempt=attempt, limit=MAX_ANSWER_BYTES
            )
        except DeadlineExceeded:
            raise self._too_slow(method, shown, attempt) from None
        except AnswerTooLarge as exc:
            raise UnexpectedAnswer(
                exc.status,
                f"{exc} (decompressed); no Connect answer comes close, so kconnect stops "
                f"reading there: is {self.settings.url} a Kafka Connect worker?",
                method=method,
                path=shown,
            ) from None
        except wire.ProxyError as exc:
            # The proxy refused to open a tunnel: nothing reached the worker.
            raise Transient(ConnectUnreachable(self._unreachable(exc))) from exc
        except (wire.ConnectError, wire.ConnectTimeout) as exc:
            if (refused := self._tls_refused(exc)) is not None:
                raise ConnectUnreachable(refused) from exc  # retrying cannot help
            # Nothing reached the worker: always safe to try again.
            no_listener = isinstance(exc, wire.ConnectError)  # refused, unknown host: no timeout
            raise Transient(
                ConnectUnreachable(self._unreachable(exc)), refused=no_listener
            ) from exc
        except wire.PoolTimeout as exc:
            # Our own connection pool was busy: nothing was sent, and the worker is not to blame.
            raise Transient(ConnectError(f"{method} {path}: no free connection ({exc})")) from exc
        except wire.TransportError as exc:
            if (refused := self._tls_refused(exc)) is not None:
                # The handshake failed, so the worker never saw the request.
                raise ConnectUnreachable(refused) from exc
            if (tls := self._tls_port(exc)) is not None:
                raise ConnectUnreachable(tls) from exc  # plain text to TLS: never processed
            # The request may have been processed (reset or timeout after sending).
            if method in _IDEMPOTENT:
                raise Transient(ConnectUnreachable(self._unreachable(exc))) from exc
            # No answer to a write: as much a sign of a dead worker as a refused connection.
            self.reachability.no_answer(ConnectUnreachable(self._unreachable(exc)))
            raise UnknownOutcome(
                f"{method} {path}: no answer from {self.settings.url} ({type(exc).__name__}); "
                "the change may or may not have been applied"
            ) from exc
        finally:
            serving(None)
            self._notices.end(attempt)
        return response

    def _classify(self, method: str, path: str, response: wire.Response) -> wire.Response:
        """`response` if it is a success; otherwise the error its status means."""
        if 300 <= response.status_code < 400:
            location = response.headers.get("location") or "nowhere (no Location header)"
            raise Redirected(
                response.status_code,
                f"the answer is a redirect to {location}; kconnect does not follow redirects "
                "(credentials must not travel to another host): give the URL the worker "
                "answers on itself",
                method=method,
                path=path,
            )
        if response.status_code < 400:
            return response
        message = error_message(response)
        status = response.status_code
        if status == 409 and "already exists" in message:
            raise ConflictError(status, message, method=method, path=path)
        if status == 409:
            raise Transient(ConflictError(status, message, method=method, path=path))
        forward = forward_failure(message) if status == 500 else None
        if forward == "refused" or (forward == "unknown" and method in _IDEMPOTENT):
            raise Transient(ApiError(status, message, method=method, path=path))
        if forward == "unknown":
            raise UnknownOutcome(f"{method} {path}: worker said {message!r}; outcome unknown")
        if status == 500 and is_request_timed_out(message):
            if method in _IDEMPOTENT:
                raise Transient(ApiError(status, message, method=method, path=path))
            raise UnknownOutcome(f"{method} {path}: worker said {message!r}; outcome unknown")
        if status in (502, 504) and method not in _IDEMPOTENT:
            # A gateway that timed out waiting for the worker (504), or whose upstream closed or
            # broke the connection (502: nginx's "upstream prematurely closed"), had passed the
            # write on: it may be done or under way (a restart sent twice is two restarts).
            # A 503 is the gateway finding no worker to pass it to: retried.
            raise UnknownOutcome(
                f"{method} {path}: HTTP {status} from a gateway: {message}; outcome unknown"
            )
        if (status == 500 and is_rebalance_500(message)) or status in (502, 503, 504):
            raise Transient(ApiError(status, message, method=method, path=path))
        if status == 404:
            raise NotFoundError(status, message, method=method, path=path)
        raise ApiError(status, message, method=method, path=path)

    def _tls_refused(self, exc: Exception) -> str | None:
        """A TLS failure that no retry can fix (wrong CA, missing or rejected client
        certificate, HTTPS to a plain-HTTP port), as a message saying what to change."""
        detail = str(exc) or type(exc).__name__
        if "CERTIFICATE_VERIFY_FAILED" in detail:
            return self._unreachable(exc)
        if any(
            alert in detail
            for alert in (
                "CERTIFICATE_REQUIRED",
                "ALERT_HANDSHAKE_FAILURE",
                "ALERT_BAD_CERTIFICATE",
                "ALERT_UNKNOWN_CA",
                "ALERT_CERTIFICATE_UNKNOWN",
                "ALERT_ACCESS_DENIED",
            )
        ):
            return (
                f"the worker at {self.settings.url} refused the TLS handshake ({detail}); it "
                "probably requires a client certificate it trusts (mTLS): set client_cert and "
                "client_key in the context, or KCONNECT_CLIENT_CERT and KCONNECT_CLIENT_KEY"
            )
        if "WRONG_VERSION_NUMBER" in detail or "RECORD_LAYER_FAILURE" in detail:
            return (
                f"TLS handshake with {self.settings.url} failed ({detail}); "
                "is the worker serving plain HTTP (use an http:// URL)?"
            )
        return None

    def _unreachable(self, exc: Exception) -> str:
        detail = str(exc) or type(exc).__name__
        if "CERTIFICATE_VERIFY_FAILED" in detail:
            return (
                f"TLS verification of {self.settings.url} failed ({detail}); "
                "pass --ca-cert with the CA that signed the worker's certificate"
            )
        proxy = self.settings.proxy
        if proxy is not None and isinstance(exc, wire.ProxyError):
            return (
                f"the proxy {proxy.shown} (from {proxy.variable}) did not open a connection to "
                f"Kafka Connect at {self.settings.url}: {detail}"
            )
        if proxy is not None and isinstance(exc, (wire.ConnectError, wire.ConnectTimeout)):
            # Through a proxy, the connection kconnect opens is to the proxy.
            return (
                f"cannot reach the proxy {proxy.shown} (from {proxy.variable}) on the way to "
                f"Kafka Connect at {self.settings.url}: {detail}"
            )
        return f"cannot reach Kafka Connect at {self.settings.url}: {detail}"

    def _url_hint(self) -> str:
        """What to check when nothing has ever answered: the URL, where it came from, and how
        to set it."""
        origin = self.settings.url_origin
        source = {"default": "kconnect's default", "--url": "from --url"}.get(
            origin, f"from {origin.removeprefix('env ')}"
        )
        return (
            f"; nothing has answered at this URL ({source}): check it, and set it with --url, "
            "KCONNECT_URL or a context in the config file (`kconnect context list`)"
        )

    def _tls_port(self, exc: Exception) -> str | None:
        """An http:// URL whose port speaks TLS: the server drops the plain-text request."""
        if self._tls_probe is None or isinstance(exc, wire.TimeoutException):
            return None
        if not self._tls_probe.speaks_tls():
            return None
        https = "https://" + self.settings.url.split("://", 1)[1]
        return (
            f"{self.settings.url} is a TLS (HTTPS) port: the worker dropped the plain-HTTP "
            f"request ({type(exc).__name__}); use {https}"
        )

    def _too_slow(self, method: str, path: str, attempt: Attempt) -> ConnectError:
        """The request's deadline passed: the worker accepted the connection but did not
        finish its answer (silent, or sending it a few bytes at a time)."""
        detail = (
            f"{method} {path}: no complete answer from {self.settings.url} within "
            f"{attempt.limit:.0f} s{attempt.sent_so_far()}; the worker is stuck or too slow "
            "(KCONNECT_TIMEOUT sets this limit)"
        )
        # Every other request would wait as long: they fail at once from now on (a re-read
        # after this write included), until a probe finds the worker answering again.
        stuck = ConnectUnreachable(detail)
        self.reachability.no_answer(stuck)
        self.reachability.give_up(stuck)
        if method in _IDEMPOTENT:
            return stuck
        return UnknownOutcome(f"{detail}; the change may or may not have been applied")

    def _write(
        self, method: str, path: str, expected: answers.Expected, **kw: Any
    ) -> tuple[int, Any]:
        """Send a write; its status and decoded body when the answer is one Connect documents
        for it, `UnexpectedAnswer` otherwise (the caller re-reads to learn what happened)."""
        response = self.request(method, path, **kw)
        problem, data = answers.check_write(response, expected)
        if problem is not None:
            raise UnexpectedAnswer(
                response.status_code,
                f"unexpected answer from the worker: {problem}; the write is not confirmed",
                method=method,
                path=_where(path, kw.get("params")),
            )
        return response.status_code, data

    def _json(self, method: str, path: str, shape: answers.Shape, **kw: Any) -> Any:
        """The answer's JSON, checked against the endpoint's `shape`."""
        response = self.request(method, path, **kw)
        where = _where(path, kw.get("params"))
        if not response.content:
            data = None
        else:
            try:
                data = answers.decode_json(response)
            except answers.TooDeep as exc:
                raise UnexpectedAnswer(
                    response.status_code,
                    f"unexpected answer from the worker: {exc}, which no Connect answer is",
                    method=method,
                    path=where,
                ) from None
            except ValueError:
                raise ApiError(
                    response.status_code,
                    # redacted before it is cut and quoted (see `shorten`)
                    f"worker answered with non-JSON content: {shorten(response.text, 200)!r}",
                    method=method,
                    path=where,
                ) from None
        if (problem := shape(data, "")) is not None:
            raise UnexpectedAnswer(
                response.status_code,
                f"unexpected answer from the worker: expected {problem}",
                method=method,
                path=where,
            )
        return data

    # -- cluster ------------------------------------------------------------------------------

    def server_info(self) -> dict[str, Any]:
        """`GET /`: version, commit and kafka_cluster_id."""
        info: dict[str, Any] = self._json("GET", "/", answers.SERVER_INFO)
        return info

    def list_names(self) -> list[str]:
        names: list[str] = self._json("GET", "/connectors", answers.NAMES)
        return sorted(names)

    def list_expanded(self) -> dict[str, dict[str, Any]]:
        """Every connector's info and status in **one** request (KIP-465, Connect 2.3+)."""
        data = self._json(
            "GET",
            "/connectors",
            answers.EXPANDED,
            params=[("expand", "info"), ("expand", "status")],
        )
        if isinstance(data, list):
            # A pre-2.3 worker ignores `expand`; fall back to one read per connector.
            return {name: self._expanded_one(name) for name in data}
        for entry in data.values():
            _register_live_config((entry.get("info") or {}).get("config"))
        return dict(data)

    def _expanded_one(self, name: str) -> dict[str, Any]:
        return {"info": self.connector(name), "status": self.status(name)}

    # -- connectors ---------------------------------------------------------------------------

    def connector(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", _path("connectors", name), answers.INFO)
        _register_live_config(result.get("config"))
        return result

    def config(self, name: str) -> dict[str, str]:
        result: dict[str, str] = self._json(
            "GET", _path("connectors", name, "config"), answers.CONFIG
        )
        _register_live_config(result)
        return result

    def put_config(self, name: str, config: Mapping[str, str]) -> bool:
        """Create or update; True when the worker created the connector (201)."""
        path = _path("connectors", name, "config")
        status, _ = self._write("PUT", path, answers.written(name), json=dict(config))
        return status == 201

    def create(self, name: str, config: Mapping[str, str], initial_state: str | None) -> None:
        body: dict[str, Any] = {"name": name, "config": dict(config)}
        if initial_state:
            body["initial_state"] = initial_state
        self._write("POST", "/connectors", answers.written(name), json=body)

    def delete(self, name: str) -> None:
        self._write("DELETE", _path("connectors", name), answers.DELETED)

    def status(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json(
            "GET", _path("connectors", name, "status"), answers.STATUS
        )
        return result

    def tasks(self, name: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json(
            "GET", _path("connectors", name, "tasks"), answers.TASKS
        )
        return result

    def topics(self, name: str) -> list[str]:
        data = self._json("GET", _path("connectors", name, "topics"), answers.TOPICS)
        return list((data or {}).get(name, {}).get("topics", []))

    def pause(self, name: str) -> None:
        self._write("PUT", _path("connectors", name, "pause"), answers.PAUSED)

    def resume(self, name: str) -> None:
        self._write("PUT", _path("connectors", name, "resume"), answers.RESUMED)

    def stop(self, name: str) -> None:
        try:
            self._write("PUT", _path("connectors", name, "stop"), answers.STOPPED)
        except NotFoundError as exc:
            # Before 3.5 the route does not exist: Jersey answers its generic 404.
            if exc.worker_message.startswith("HTTP 404"):
                raise UnsupportedByWorker(
                    f"the worker at {self.settings.url} does not support stopping connectors "
                    "(KIP-875 needs Kafka Connect 3.5 or newer); use pause instead"
                ) from None
            raise

    def restart(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> dict[str, Any] | None:
        params = {}
        if include_tasks:
            params["includeTasks"] = "true"
        if only_failed:
            params["onlyFailed"] = "true"
        path = _path("connectors", name, "restart")
        _, body = self._write("POST", path, answers.RESTARTED, params=params or None)
        result: dict[str, Any] | None = body
        return result

    def restart_task(self, name: str, task: int) -> None:
        path = _path("connectors", name, "tasks", str(task), "restart")
        self._write("POST", path, answers.TASK_RESTARTED)

    # -- offsets (KIP-875) --------------------------------------------------------------------

    def offsets(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json(
            "GET", _path("connectors", name, "offsets"), answers.OFFSETS
        )
        return result

    def alter_offsets(self, name: str, offsets: Mapping[str, Any]) -> str:
        path = _path("connectors", name, "offsets")
        _, data = self._write("PATCH", path, answers.OFFSETS_CHANGED, json=dict(offsets))
        return str(data["message"])

    def reset_offsets(self, name: str) -> str:
        path = _path("connectors", name, "offsets")
        _, data = self._write("DELETE", path, answers.OFFSETS_CHANGED)
        return str(data["message"])

    # -- plugins ------------------------------------------------------------------------------

    def plugins(self, *, connectors_only: bool = True) -> list[dict[str, Any]]:
        params = None if connectors_only else {"connectorsOnly": "false"}
        result: list[dict[str, Any]] = self._json(
            "GET", "/connector-plugins", answers.PLUGINS, params=params
        )
        return result

    def plugin_config(self, plugin: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json(
            "GET", _path("connector-plugins", plugin, "config"), answers.DEFINITIONS
        )
        return result

    def validate(self, connector_class: str, config: Mapping[str, str]) -> dict[str, Any]:
        # Validation has no side effects, so a timed-out validate is safe to treat as an error.
        plugin = connector_class.rsplit(".", 1)[-1]
        result: dict[str, Any] = self._json(
            "PUT",
            _path("connector-plugins", plugin, "config", "validate"),
            answers.VALIDATION,
            json=dict(config),
        )
        return result

    # -- loggers (KIP-495, KIP-976) -----------------------------------------------------------

    def loggers(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = self._json("GET", "/admin/loggers", answers.LOGGERS)
        return result

    def logger(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", _path("admin", "loggers", name), answers.LOGGER)
        return result

    def set_logger(self, name: str, level: str, *, scope: str = "worker") -> list[str] | None:
        params = {"scope": scope} if scope != "worker" else None
        expected = answers.LOGGER_SET if scope == "worker" else answers.LOGGER_SET_CLUSTER
        _, body = self._write(
            "PUT", _path("admin", "loggers", name), expected, json={"level": level}, params=params
        )
        result: list[str] | None = body
        return result


def _transport(settings: ClientSettings) -> LightTransport | HttpxTransport:
    """The light transport for plain HTTP without a proxy, httpx for everything else."""
    base_url = _without_userinfo(settings.url.rstrip("/"))
    if settings.proxy is None and not uses_tls(settings) and settings.http_client == "auto":
        from kconnect.api.light import LightTransport

        return LightTransport(
            base_url,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_connections=MAX_CONNECTIONS,
        )
    from kconnect.api.transport import HttpxTransport

    return HttpxTransport(settings, base_url, max_connections=MAX_CONNECTIONS)


def _request_headers(settings: ClientSettings) -> list[tuple[str, str]]:
    """The header fields every request carries: what kconnect is, custom headers (a
    gateway's or proxy's, checked when the settings were resolved), and the credentials."""
    fields = {
        "accept": ("Accept", "application/json"),
        "user-agent": ("User-Agent", f"kconnect/{__version__}"),
    }
    for name, value in settings.headers:
        fields[name.lower()] = (name, value)
    # As httpx decides: explicit credentials first, then those in the URL (`user:pw@`), which
    # replace a token's header.
    parts = urlsplit(settings.url)
    basic: tuple[str, str] | None = None
    if settings.username is not None and not settings.token:
        basic = (settings.username, settings.password or "")
    elif parts.username is not None or parts.password is not None:
        basic = (unquote(parts.username or ""), unquote(parts.password or ""))
    if basic is not None:
        import base64

        raw = f"{basic[0]}:{basic[1]}".encode()
        fields["authorization"] = ("Authorization", "Basic " + base64.b64encode(raw).decode())
    elif settings.token:
        fields["authorization"] = ("Authorization", f"Bearer {settings.token}")
    return list(fields.values())


def _without_userinfo(url: str) -> str:
    scheme, _, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"


def _json_body(body: Any) -> bytes:
    import json

    # As httpx encodes `json=`: compact, UTF-8, no NaN.
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def _log_enabled(level: int) -> bool:
    import sys

    if "logging" not in sys.modules:  # never configured, so nothing would be written
        return False
    return _log().isEnabledFor(level)


def _tls_probe(settings: ClientSettings) -> TlsProbe | None:
    """For a plain-http URL reached directly, a probe of whether its port speaks TLS."""
    if settings.proxy is not None or not settings.url.lower().startswith("http://"):
        return None
    try:
        parts = urlsplit(settings.url)
        port = parts.port
    except ValueError:
        return None
    return TlsProbe(parts.hostname, port or 80) if parts.hostname else None


def _where(path: str, params: Mapping[str, Any] | list[tuple[str, str]] | None) -> str:
    """The path with the query string it is sent with."""
    query = urlencode(list(params.items()) if isinstance(params, Mapping) else params or [])
    return f"{path}?{query}" if query else path


def _seconds(value: float | None) -> str:
    value = value or 0.0
    return f"{value:.0f} s" if value >= 1 else f"{value:.1f} s"


def _is_conflict(error: BaseException) -> bool:
    """A 409 or a 500 "rebalance is expected": the cluster is busy rebalancing."""
    if isinstance(error, ConflictError):
        return True
    return isinstance(error, ApiError) and error.status == 500 and is_rebalance_500(error.message)


def _register_live_config(config: Any) -> None:
    """Secrets in a live config are known from the moment it is read: any later output
    (an error that echoes it, a trace, a log line) is redacted."""
    from kconnect.output.redaction import register_config

    if isinstance(config, Mapping):
        register_config(config)
