"""Prometheus metrics of the reconcile loop, served by the standard library's HTTP server.

`ReconcileMetrics` holds the numbers (thread-safe: the loop writes, the server thread reads);
`MetricsServer` serves them on `/metrics` in the Prometheus text exposition format (0.0.4),
and a liveness answer on `/healthz`. No third-party client library is needed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kconnect.records import field, record

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

CYCLE_RESULTS = ("ok", "unhealthy", "pending", "error", "invalid", "unsafe")
FAILURE_STAGES = ("manifests", "cluster", "apply", "restart")


def _escape_label(value: str) -> str:
    """A label value through the output seam (redacted, control characters made inert), then
    escaped as the Prometheus text format wants."""
    from kconnect.output.redaction import redact_text
    from kconnect.output.terminal import sanitize

    value = sanitize(redact_text(value))
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels.items())
    return "{" + inner + "}"


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


@record(frozen=False)
class _Family:
    name: str
    kind: str  # counter | gauge
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]
        lines += [f"{self.name}{_labels(labels)} {_number(v)}" for labels, v in self.samples]
        return "\n".join(lines) + "\n"


class ReconcileMetrics:
    """Counters and gauges of one reconcile process."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.cycles: dict[str, int] = dict.fromkeys(CYCLE_RESULTS, 0)
        self.failures: dict[str, int] = dict.fromkeys(FAILURE_STAGES, 0)
        self.drift = 0
        self.writes = 0
        self.restarts = 0
        self.unsafe_plans = 0  # plans refused by a safe-plan limit
        self.dangerous_plans = 0  # plans refused for an unacknowledged danger impact
        self.last_success: float | None = None  # unix time
        self.last_duration: float | None = None
        self.consecutive_failures = 0
        self.unhealthy = 0
        self.pending = 0  # rewritten connectors not yet seen running the new config
        self.backoff: dict[str, float] = {}  # connector -> current restart backoff (s)
        self.healthy: dict[str, bool] = {}  # managed connector -> healthy
        # Liveness: the loop counts as alive while it keeps starting cycles on time.
        self._last_progress = clock()
        self._deadline: float | None = None

    # -- written by the loop ------------------------------------------------------------------

    def record_cycle(
        self,
        result: str,
        *,
        drift: int,
        writes: int,
        restarts: int,
        duration: float,
        wall_time: float,
    ) -> None:
        with self._lock:
            self.cycles[result] = self.cycles.get(result, 0) + 1
            self.drift += drift
            self.writes += writes
            self.restarts += restarts
            self.last_duration = duration
            if result in ("ok", "unhealthy", "pending"):
                self.last_success = wall_time
                self.consecutive_failures = 0
            else:
                self.consecutive_failures += 1
            self._last_progress = self._clock()

    def record_unsafe_plan(self) -> None:
        with self._lock:
            self.unsafe_plans += 1

    def record_dangerous_plan(self) -> None:
        with self._lock:
            self.dangerous_plans += 1

    def record_failure(self, stage: str, count: int = 1) -> None:
        with self._lock:
            self.failures[stage] = self.failures.get(stage, 0) + count

    def set_connectors(
        self,
        healthy: Mapping[str, bool],
        backoff: Mapping[str, float],
        pending: Collection[str] = (),
    ) -> None:
        """`healthy` holds every managed connector; those `pending` (restarting with a new
        config) count as neither healthy nor unhealthy."""
        with self._lock:
            self.healthy = dict(healthy)
            self.backoff = dict(backoff)
            self.unhealthy = sum(not ok for n, ok in healthy.items() if n not in pending)
            self.pending = len(pending)

    def heartbeat(self, next_progress_within: float | None = None) -> None:
        """The loop is alive now; with `next_progress_within`, it promises to report again
        within that many seconds (the sleep before the next cycle plus a cycle's budget)."""
        with self._lock:
            self._last_progress = self._clock()
            self._deadline = (
                None if next_progress_within is None else self._last_progress + next_progress_within
            )

    # -- read by the server -------------------------------------------------------------------

    def alive(self) -> tuple[bool, str]:
        with self._lock:
            now = self._clock()
            if self._deadline is not None and now > self._deadline:
                late = now - self._last_progress
                return False, f"stalled: no reconcile progress for {late:.0f}s"
            return True, "ok"

    def families(self) -> list[_Family]:
        with self._lock:
            families = [
                _Family(
                    "kconnect_reconcile_cycles_total",
                    "counter",
                    "Reconcile cycles by result (ok, unhealthy, pending, error, invalid, unsafe).",
                    [({"result": r}, float(n)) for r, n in self.cycles.items()],
                ),
                _Family(
                    "kconnect_reconcile_drift_total",
                    "counter",
                    "Connectors found different from the manifests (to create, update or delete).",
                    [({}, float(self.drift))],
                ),
                _Family(
                    "kconnect_reconcile_writes_total",
                    "counter",
                    "Writes sent to correct drift (create, update, pause, resume, stop, delete).",
                    [({}, float(self.writes))],
                ),
                _Family(
                    "kconnect_reconcile_restarts_total",
                    "counter",
                    "Automatic restarts of FAILED connectors and tasks.",
                    [({}, float(self.restarts))],
                ),
                _Family(
                    "kconnect_reconcile_unsafe_plans_total",
                    "counter",
                    "Plans not applied because they passed a safe-plan limit (too many deletes).",
                    [({}, float(self.unsafe_plans))],
                ),
                _Family(
                    "kconnect_reconcile_dangerous_plans_total",
                    "counter",
                    "Plans not applied because they hold a danger impact nobody acknowledged.",
                    [({}, float(self.dangerous_plans))],
                ),
                _Family(
                    "kconnect_reconcile_failures_total",
                    "counter",
                    "Failures by stage: manifests (invalid), cluster (read), apply, restart.",
                    [({"stage": s}, float(n)) for s, n in self.failures.items()],
                ),
                _Family(
                    "kconnect_reconcile_consecutive_failures",
                    "gauge",
                    "Cycles in a row that failed (0 after a successful cycle).",
                    [({}, float(self.consecutive_failures))],
                ),
                _Family(
                    "kconnect_reconcile_unhealthy_connectors",
                    "gauge",
                    "Managed connectors with a FAILED or UNASSIGNED connector or task.",
                    [({}, float(self.unhealthy))],
                ),
                _Family(
                    "kconnect_reconcile_pending_connectors",
                    "gauge",
                    "Managed connectors whose config was just rewritten and that the worker has "
                    "not yet been seen running with the new config (health not known yet).",
                    [({}, float(self.pending))],
                ),
            ]
            if self.last_success is not None:
                families.append(
                    _Family(
                        "kconnect_reconcile_last_success_timestamp_seconds",
                        "gauge",
                        "Unix time of the last cycle that read the cluster and applied changes.",
                        [({}, self.last_success)],
                    )
                )
            if self.last_duration is not None:
                families.append(
                    _Family(
                        "kconnect_reconcile_last_cycle_duration_seconds",
                        "gauge",
                        "Duration of the last reconcile cycle.",
                        [({}, round(self.last_duration, 6))],
                    )
                )
            families.append(
                _Family(
                    "kconnect_connector_healthy",
                    "gauge",
                    "1 when the managed connector and all its tasks are healthy, else 0 "
                    "(0 too while it restarts with a new config).",
                    [({"connector": n}, float(ok)) for n, ok in sorted(self.healthy.items())],
                )
            )
            families.append(
                _Family(
                    "kconnect_connector_restart_backoff_seconds",
                    "gauge",
                    "Current minimum delay between automatic restarts of the connector (0: none).",
                    [({"connector": n}, b) for n, b in sorted(self.backoff.items())],
                )
            )
            return families

    def render(self) -> str:
        return "".join(f.render() for f in self.families())


# -- the HTTP endpoint --------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        metrics = self.server.metrics
        if path == "/metrics":
            self._send(200, metrics.render(), CONTENT_TYPE)
        elif path == "/healthz":
            ok, message = metrics.alive()
            self._send(200 if ok else 503, message + "\n", "text/plain; charset=utf-8")
        else:
            self._send(404, "not found: try /metrics or /healthz\n", "text/plain; charset=utf-8")

    def do_HEAD(self) -> None:
        self.do_GET()

    def _send(self, status: int, body: str, content_type: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        # Scrapes every few seconds are not worth a log line each.
        del format, args


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    metrics: ReconcileMetrics


class MetricsServer:
    """`/metrics` and `/healthz` in a background thread. Port 0 picks a free port; read it
    back from `port` after `start()`."""

    def __init__(self, metrics: ReconcileMetrics, *, host: str = "127.0.0.1", port: int = 0):
        self.metrics = metrics
        self.host = host
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("metrics server is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> MetricsServer:
        import socket

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server_class = type("_BoundServer", (_Server,), {"address_family": family})
        server = server_class((self.host, self._requested_port), _Handler)
        server.metrics = self.metrics
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="kconnect-metrics",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MetricsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def parse_text(text: str) -> dict[str, float]:
    """Samples of a Prometheus text page as {"name{labels}": value} (for tests and tools)."""
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        samples[key] = float(value)
    return samples
