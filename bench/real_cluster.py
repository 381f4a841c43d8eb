"""kconnect against a real two-worker Connect cluster, side by side with a plain parallel HTTP
baseline. Prints a table of figures; asserts nothing.

    python bench/real_cluster.py              # starts tests/stack, N=200, stops it after
    python bench/real_cluster.py -n 50        # fewer connectors
    python bench/real_cluster.py --url URL    # an existing cluster (no request counts)

It starts the test stack itself (Kafka KRaft, two Connect workers; no MariaDB) and stops every
process it started by PID, also on Ctrl-C. For each operation on N FileStreamSink connectors
it runs kconnect and the baseline (httpx with a pool of --baseline-threads threads, like
`xargs -P 8 curl`), and counts the requests each sent from the workers' request logs (a
write forwarded from follower to leader is counted once), the 409 answers, and the writes
that failed. Between operations it waits until every connector and task is RUNNING, outside
the measured time.

Targets (issue #14): delete of N within 1.2x of the baseline; updating one key in N within
1.2x of the best fixed --concurrency measured in the same run, with zero failed writes and no
409 storm; creates at or below 0.75x of the baseline; a no-op apply sends one request.
The machine's load moves these numbers: run it on a quiet machine, and more than once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
PREFIX = "bench"


@dataclass
class Row:
    operation: str
    tool: str
    seconds: float
    requests: int | None = None
    conflicts: int | None = None
    failed: int = 0
    note: str = ""


@dataclass
class Bench:
    url: str
    n: int
    threads: int
    workdir: Path
    stack: Any = None  # tests.stack.stack.Stack when we started one
    rows: list[Row] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [f"{PREFIX}-{i:04d}" for i in range(self.n)]

    def config(self, name: str, version: int) -> dict[str, str]:
        return {
            "name": name,
            "connector.class": SINK,
            "tasks.max": "1",
            "topics": f"{PREFIX}-topic",
            "file": str(self.workdir / "sink" / f"{name}.txt"),
            # The one key an update changes.
            "errors.retry.timeout": str(version),
        }

    def write_manifests(self, version: int) -> Path:
        directory = self.workdir / "manifests"
        directory.mkdir(parents=True, exist_ok=True)
        docs = []
        for name in self.names:
            config = self.config(name, version)
            config.pop("name")
            body = "\n".join(f"  {k}: {json.dumps(v)}" for k, v in config.items())
            docs.append(f"name: {name}\nconfig:\n{body}\n")
        (directory / "bench.yaml").write_text("---\n".join(docs))
        return directory

    # -- measuring --------------------------------------------------------------------------

    @contextmanager
    def counting(self) -> Iterator[dict[str, int]]:
        counts: dict[str, int] = {}
        marks = self.stack.log_marks() if self.stack else None
        yield counts
        if self.stack is None:
            return
        time.sleep(1.5)  # the request log is written after the answer
        lines = [r for r in self.stack.requests(since=marks) if not r.forwarded]
        counts["requests"] = len(lines)
        counts["conflicts"] = sum(r.status == 409 for r in lines)

    def record(self, operation: str, tool: str, run: Callable[[], tuple[int, str]]) -> Row:
        with self.counting() as counts:
            started = time.monotonic()
            failed, note = run()
            seconds = time.monotonic() - started
        row = Row(
            operation,
            tool,
            seconds,
            counts.get("requests"),
            counts.get("conflicts"),
            failed,
            note,
        )
        self.rows.append(row)
        print(
            f"  {operation:<22} {tool:<28} {seconds:7.1f} s  requests {row.requests}  "
            f"409s {row.conflicts}  failed {failed} {note}",
            flush=True,
        )
        return row

    # -- kconnect -----------------------------------------------------------------------------

    def kconnect(self, *args: str) -> tuple[int, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KCONNECT_")}
        env.update({"KCONNECT_URL": self.url, "NO_COLOR": "1"})
        done = subprocess.run(
            [sys.executable, "-m", "kconnect", *args, "-o", "json"],
            capture_output=True,
            text=True,
            env=env,
            cwd=str(ROOT),
            check=False,
            stdin=subprocess.DEVNULL,
        )
        try:
            envelope = json.loads(done.stdout)
        except ValueError:
            return self.n, f"exit {done.returncode}: {done.stderr[-300:]}"
        data = envelope.get("data") or {}
        if "summary" in data:  # apply
            failed = int(data["summary"].get("failed", 0))
        elif "results" in data:
            failed = sum(
                1 for r in data["results"] if not (r.get("ok", True) and r.get("deleted", True))
            )
        else:
            failed = 0 if envelope.get("exit_code") == 0 else self.n
        note = "" if envelope.get("exit_code") == 0 else f"exit {envelope.get('exit_code')}"
        return failed, note

    # -- the baseline: a pool of threads sending one request per connector ----------------------

    def baseline(
        self, method: str, path: Callable[[str], str], body: Any = None
    ) -> tuple[int, str]:
        with httpx.Client(
            base_url=self.url,
            timeout=120,
            limits=httpx.Limits(max_connections=self.threads),
        ) as http:

            def one(name: str) -> int:
                try:
                    response = http.request(
                        method, path(name), json=body(name) if callable(body) else body
                    )
                    return response.status_code
                except httpx.HTTPError:
                    return 0

            with ThreadPoolExecutor(self.threads) as pool:
                statuses = list(pool.map(one, self.names))
        failed = sum(1 for s in statuses if not 200 <= s < 300)
        return failed, ""

    # -- cluster state (outside the measured time) ------------------------------------------------

    def live(self) -> dict[str, Any]:
        data: dict[str, Any] = httpx.get(f"{self.url}/connectors?expand=status", timeout=60).json()
        return {n: v for n, v in data.items() if n.startswith(f"{PREFIX}-")}

    def settle(self, state: str = "RUNNING", present: bool = True, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                live = self.live()
            except httpx.HTTPError:
                time.sleep(1)
                continue
            if not present and not live:
                return
            if present and len(live) == self.n:
                states = [
                    (v["status"]["connector"]["state"], [t["state"] for t in v["status"]["tasks"]])
                    for v in live.values()
                ]
                if all(c == state and ts and all(t == state for t in ts) for c, ts in states):
                    return
            time.sleep(1)
        print(f"  (warning: connectors did not settle to {state} within {timeout:.0f} s)")

    def clean(self) -> None:
        for name in self.live():
            httpx.delete(f"{self.url}/connectors/{name}", timeout=60)
        self.settle(present=False)


def run(bench: Bench, fixed: list[int]) -> None:
    names = bench.names
    n = bench.n
    bench.clean()
    print(f"create {n}", flush=True)
    bench.record(
        "create",
        "baseline",
        lambda: bench.baseline(
            "PUT", lambda m: f"/connectors/{m}/config", lambda m: bench.config(m, 0)
        ),
    )
    bench.settle()
    bench.record(
        "delete", "baseline", lambda: bench.baseline("DELETE", lambda m: f"/connectors/{m}")
    )
    bench.settle(present=False)
    manifests = bench.write_manifests(0)
    bench.record(
        "create", "kconnect apply", lambda: bench.kconnect("apply", str(manifests), "--yes")
    )
    bench.settle()
    bench.record(
        "no-op", "kconnect apply", lambda: bench.kconnect("apply", str(manifests), "--yes")
    )

    print(f"update one key in {n}", flush=True)
    version = 1
    manifests = bench.write_manifests(version)
    bench.record(
        "update",
        "kconnect apply (default)",
        lambda: bench.kconnect("apply", str(manifests), "--yes"),
    )
    for c in fixed:
        bench.settle()
        version += 1
        manifests = bench.write_manifests(version)
        bench.record(
            "update",
            f"kconnect --concurrency {c}",
            lambda c=c, m=manifests: bench.kconnect(
                "apply", str(m), "--yes", "--concurrency", str(c)
            ),
        )
    bench.settle()
    version += 1
    bench.record(
        "update",
        "baseline",
        lambda: bench.baseline(
            "PUT", lambda m: f"/connectors/{m}/config", lambda m: bench.config(m, version)
        ),
    )
    bench.settle()

    print(f"pause/resume {n}", flush=True)
    bench.record("pause", "kconnect pause", lambda: bench.kconnect("pause", *names))
    bench.settle("PAUSED")
    bench.record("resume", "kconnect resume", lambda: bench.kconnect("resume", *names))
    bench.settle()
    bench.record(
        "pause", "baseline", lambda: bench.baseline("PUT", lambda m: f"/connectors/{m}/pause")
    )
    bench.settle("PAUSED")
    bench.record(
        "resume", "baseline", lambda: bench.baseline("PUT", lambda m: f"/connectors/{m}/resume")
    )
    bench.settle()

    print(f"delete {n}", flush=True)
    bench.record("delete", "kconnect delete", lambda: bench.kconnect("delete", *names, "--yes"))
    bench.settle(present=False)


def table(bench: Bench, fixed: list[int]) -> None:
    def best(operation: str, tool: str | None = None) -> Row | None:
        rows = [
            r for r in bench.rows if r.operation == operation and (tool is None or r.tool == tool)
        ]
        return min(rows, key=lambda r: r.seconds) if rows else None

    print()
    print(f"| {bench.n} connectors | tool | seconds | requests | 409s | failed | vs |")
    print("|---|---|---|---|---|---|---|")
    fixed_rows = [r for r in bench.rows if r.tool.startswith("kconnect --concurrency")]
    best_fixed = min(fixed_rows, key=lambda r: r.seconds) if fixed_rows else None
    for row in bench.rows:
        reference = None
        if row.tool != "baseline":
            reference = best(row.operation, "baseline")
            if row.operation == "update" and row.tool == "kconnect apply (default)" and best_fixed:
                reference = best_fixed
        ratio = (
            f"{row.seconds / reference.seconds:.2f}× {reference.tool}"
            if reference and reference.seconds > 0
            else ""
        )
        print(
            f"| {row.operation} | {row.tool} | {row.seconds:.1f} | "
            f"{'-' if row.requests is None else row.requests} | "
            f"{'-' if row.conflicts is None else row.conflicts} | {row.failed} | {ratio} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="connectors (default 200)")
    parser.add_argument("--url", help="use this cluster instead of starting the test stack")
    parser.add_argument("--baseline-threads", type=int, default=8)
    parser.add_argument(
        "--fixed", default="8,16,32", help="fixed --concurrency values to measure for updates"
    )
    args = parser.parse_args(argv)
    fixed = [int(x) for x in args.fixed.split(",") if x]
    workdir = Path(tempfile.mkdtemp(prefix="kconnect-bench-"))
    (workdir / "sink").mkdir()
    stack = None
    if args.url:
        url = args.url
    else:
        from tests.stack.stack import Stack

        stack = Stack(workers=2, with_mariadb=False)

        def stop(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        started = time.monotonic()
        stack.start()
        url = stack.url
        print(f"stack up in {time.monotonic() - started:.0f} s: {stack.urls}", flush=True)
    bench = Bench(url, args.n, args.baseline_threads, workdir, stack)
    try:
        run(bench, fixed)
    except KeyboardInterrupt:
        print("interrupted")
    finally:
        try:
            if stack is None:
                bench.clean()
        finally:
            if stack is not None:
                stack.stop()  # every process it started, by PID
    table(bench, fixed)
    print(
        f"\n{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; baseline: httpx, "
        f"{args.baseline_threads} threads, one request per connector, no retries."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
