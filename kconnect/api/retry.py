"""How a failed request is classified: worth another attempt, final, or of unknown outcome.

The policy follows what real workers do (see ../shared/reference/connect-rest-api.md §1, §6).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from kconnect.errors import ConnectUnreachable


class Transient(Exception):
    """Marker: worth another attempt; `cause` is the error to raise once attempts run out."""

    def __init__(self, cause: Exception, *, refused: bool = False) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.refused = refused  # connection refused or unknown host: nothing listens there


def is_rebalance_500(message: str) -> bool:
    return "rebalance is expected" in message


def forward_failure(message: str) -> str | None:
    """A follower could not forward a write to the leader (seen while the leader restarts):
    "refused" means the leader never got it; anything else (EOF, reset) may have run there."""
    if not message.startswith("IO Error trying to forward REST request"):
        return None
    return "refused" if "ConnectException" in message else "unknown"


def is_request_timed_out(message: str) -> bool:
    return message.startswith("Request timed out")


class Reachability:
    """Whether the worker answers at all, shared by every request of one client (a circuit
    breaker). Without it, each of 200 parallel writes against a dead worker would spend its
    own retry budget, one after the other: minutes instead of seconds.

    The clock starts at the first request that gets no answer (connection refused, DNS,
    connect or read timeout, reset) and stops at any HTTP answer. The breaker opens when a
    request has used its retry budget on such failures, or when nothing has answered for
    `unreachable_timeout` seconds; from then on every request fails at once with the same
    error. Every `probe_after` seconds one request is let through again, so that a long-lived
    client (the reconcile loop, `--wait`) notices a worker that came back.

    Until the worker has answered once, a refused connection or a name that does not resolve
    is most likely a wrong URL, not a restart: `first_contact_timeout` (when set) replaces
    `unreachable_timeout` for those, so a typo is reported in a second or two."""

    def __init__(
        self,
        unreachable_timeout: float,
        *,
        first_contact_timeout: float | None = None,
        probe_after: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.unreachable_timeout = unreachable_timeout
        self.first_contact_timeout = first_contact_timeout
        self.ever_answered = False
        self.probe_after = probe_after
        self._clock = clock
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._open: ConnectUnreachable | None = None
        self._opened_at = 0.0
        self._last_notice = -1e9
        self._last_attempt = 0

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._open is not None

    def check(self) -> None:
        """Raise the error that opened the breaker, unless it is time for a probe."""
        with self._lock:
            if self._open is None:
                return
            now = self._clock()
            if now - self._opened_at >= self.probe_after:
                self._opened_at = now  # this request probes; the others keep failing fast
                return
            raise ConnectUnreachable(self._open.message)

    def reset(self) -> None:
        """Forget what earlier requests saw (a new reconcile cycle starts afresh)."""
        with self._lock:
            self._down_since = None
            self._open = None
            self._last_attempt = 0

    def first_contact(self) -> bool:
        """Whether a failure now is one on first contact (see the class docstring)."""
        return self.first_contact_timeout is not None and not self.ever_answered

    def answered(self) -> None:
        with self._lock:
            self.ever_answered = True
            self._down_since = None
            self._open = None
            self._last_attempt = 0

    def no_answer(self, error: ConnectUnreachable, *, refused: bool = False) -> float:
        """Record a request without an answer; the seconds left before giving up (<= 0: the
        breaker is now open). `refused`: the connection was refused or the name did not
        resolve (nothing listens there), as opposed to a timeout or a reset."""
        with self._lock:
            now = self._clock()
            if self._down_since is None:
                self._down_since = now
            budget = self.unreachable_timeout
            if refused and self.first_contact_timeout is not None and not self.ever_answered:
                budget = min(budget, self.first_contact_timeout)
            left = self._down_since + budget - now
            if self._open is not None or left <= 0:
                self._trip(error, now)
                return 0.0
            return left

    def give_up(self, error: ConnectUnreachable) -> None:
        """A request used its whole retry budget without an answer: `error` is what every
        request fails with from now on."""
        with self._lock:
            self._trip(error, self._clock())
            self._open = error

    def _trip(self, error: ConnectUnreachable, now: float) -> None:
        if self._open is None:
            self._open = error
        self._opened_at = now

    def should_notice(self, attempt: int, interval: float = 1.0) -> bool:
        """Whether to show a "retrying" notice for `attempt`: every attempt of one request,
        but parallel requests retrying in step share one line per attempt (or per second)."""
        with self._lock:
            now = self._clock()
            if attempt <= self._last_attempt and now - self._last_notice < interval:
                return False
            self._last_notice = now
            self._last_attempt = attempt
            return True
