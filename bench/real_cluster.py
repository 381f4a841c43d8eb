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
import shutil
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
        # Only what the measured tool sent: not the copies a follower forwards to the leader,
        # nor the workers' own calls to each other (task configs, Jersey's user agent).
        lines = [
            r
            for r in self.stack.requests(since=marks)
            if not r.forwarded and r.agent.startswith(("kconnect/", "python-httpx/", "curl/"))
        ]
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
        self,
        method: str,
        path: Callable[[str], str],
        body: Any = None,
        only: list[str] | None = None,
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
                statuses = list(pool.map(one, only or self.names))
        failed = sum(1 for s in statuses if not 200 <= s < 300)
        return failed, ""

    def curl(self, method: str, path: Callable[[str], str], body: bool = False) -> tuple[int, str]:
        """`xargs -P THREADS curl`: one curl process per connector, as a shell script would."""
        lines = []
        for name in self.names:
            data = ""
            if body:
                file = self.workdir / "bodies" / f"{name}.json"
                file.parent.mkdir(exist_ok=True)
                file.write_text(json.dumps(self.config(name, 0)))
                data = f"-H 'Content-Type: application/json' --data @{file}"
            lines.append(f"-X {method} {data} {self.url}{path(name)}")
        script = f"xargs -P {self.threads} -L 1 curl -s -o /dev/null -w '%{{http_code}}\\n'"
        done = subprocess.run(
            ["sh", "-c", script],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            check=False,
        )
        statuses = [int(x) for x in done.stdout.split() if x.isdigit()]
        failed = self.n - sum(1 for s in statuses if 200 <= s < 300)
        return failed, ""

    # -- cluster state (outside the measured time) ------------------------------------------------

    def live(self) -> dict[str, Any]:
        data: dict[str, Any] = httpx.get(f"{self.url}/connectors?expand=status", timeout=60).json()
        return {n: v for n, v in data.items() if n.startswith(f"{PREFIX}-")}

    def settle(
        self,
        state: str = "RUNNING",
        present: bool = True,
        timeout: float = 600,
        count: int | None = None,
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                live = self.live()
            except httpx.HTTPError:
                time.sleep(1)
                continue
            if not present and not live:
                return
            if present and len(live) == (count or self.n):
                states = [
                    (v["status"]["connector"]["state"], [t["state"] for t in v["status"]["tasks"]])
                    for v in live.values()
                ]
                if all(c == state and ts and all(t == state for t in ts) for c, ts in states):
                    return
            time.sleep(1)
        print(f"  (warning: connectors did not settle to {state} within {timeout:.0f} s)")

    def clean(self) -> None:
        left = sorted(self.live())
        if left:
            self.baseline("DELETE", lambda m: f"/connectors/{m}", only=left)
        self.settle(present=False)


def run(bench: Bench, fixed: list[int], curl: bool) -> None:
    names = bench.names
    n = bench.n
    bench.clean()
    manifests = bench.write_manifests(0)
    config_path: Callable[[str], str] = lambda m: f"/connectors/{m}/config"  # noqa: E731
    connector_path: Callable[[str], str] = lambda m: f"/connectors/{m}"  # noqa: E731

    # Each tool creates N connectors on an empty cluster, then deletes them once they run.
    tools: list[tuple[str, Callable[[], tuple[int, str]], Callable[[], tuple[int, str]]]] = [
        (
            "baseline",
            lambda: bench.baseline("PUT", config_path, lambda m: bench.config(m, 0)),
            lambda: bench.baseline("DELETE", connector_path),
        ),
    ]
    if curl:
        tools.append(
            (
                f"curl xargs -P {bench.threads}",
                lambda: bench.curl("PUT", config_path, body=True),
                lambda: bench.curl("DELETE", connector_path),
            )
        )
    tools += [
        (
            "kconnect (default)",
            lambda: bench.kconnect("apply", str(manifests), "--yes"),
            lambda: bench.kconnect("delete", *names, "--yes"),
        ),
    ]
    for c in (8, 32):
        tools.append(
            (
                f"kconnect --concurrency {c}",
                lambda c=c: bench.kconnect(
                    "apply", str(manifests), "--yes", "--concurrency", str(c)
                ),
                lambda c=c: bench.kconnect("delete", *names, "--yes", "--concurrency", str(c)),
            )
        )
    # Warm up (JIT, topic metadata, connections) so the first tool measured is not penalised.
    warm = bench.names[:20]
    bench.baseline("PUT", config_path, lambda m: bench.config(m, 0), only=warm)
    bench.settle(count=len(warm))
    bench.clean()
    print(f"create and delete {n}", flush=True)
    for tool, create, delete in tools:
        bench.record("create", tool, create)
        bench.settle()
        bench.record("delete", tool, delete)
        bench.settle(present=False)

    bench.kconnect("apply", str(manifests), "--yes")
    bench.settle()
    bench.record("no-op", "kconnect (default)", lambda: bench.kconnect("plan", str(manifests)))
    bench.record(
        "no-op",
        "kconnect (default) apply",
        lambda: bench.kconnect("apply", str(manifests), "--yes"),
    )

    print(f"update one key in {n}", flush=True)
    version = 1
    manifests = bench.write_manifests(version)
    bench.record(
        "update", "kconnect (default)", lambda: bench.kconnect("apply", str(manifests), "--yes")
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
        lambda: bench.baseline("PUT", config_path, lambda m: bench.config(m, version)),
    )
    bench.settle()

    print(f"pause/resume {n}", flush=True)
    for tool, pause, resume in (
        (
            "kconnect (default)",
            lambda: bench.kconnect("pause", *names),
            lambda: bench.kconnect("resume", *names),
        ),
        (
            "baseline",
            lambda: bench.baseline("PUT", lambda m: f"/connectors/{m}/pause"),
            lambda: bench.baseline("PUT", lambda m: f"/connectors/{m}/resume"),
        ),
    ):
        bench.record("pause", tool, pause)
        bench.settle("PAUSED")
        bench.record("resume", tool, resume)
        bench.settle()
    bench.clean()


def table(bench: Bench) -> None:
    def first(operation: str, tool_prefix: str) -> Row | None:
        rows = [
            r for r in bench.rows if r.operation == operation and r.tool.startswith(tool_prefix)
        ]
        return rows[0] if rows else None

    fixed = [
        r for r in bench.rows if r.operation == "update" and r.tool.startswith("kconnect --conc")
    ]
    best_fixed = min(fixed, key=lambda r: r.seconds) if fixed else None
    print()
    print(f"| {bench.n} connectors | tool | s | requests | 409s | failed writes | ratios |")
    print("|---|---|---|---|---|---|---|")
    for row in bench.rows:
        refs: list[Row] = []
        if row.tool.startswith("kconnect"):
            refs = [
                r for r in (first(row.operation, "baseline"), first(row.operation, "curl")) if r
            ]
            if row.operation == "update" and row.tool == "kconnect (default)" and best_fixed:
                refs.append(best_fixed)
        ratios = ", ".join(
            f"{row.seconds / ref.seconds:.2f}× {ref.tool}" for ref in refs if ref.seconds > 0
        )
        print(
            f"| {row.operation} | {row.tool} | {row.seconds:.1f} | "
            f"{'-' if row.requests is None else row.requests} | "
            f"{'-' if row.conflicts is None else row.conflicts} | {row.failed} | {ratios} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="connectors (default 200)")
    parser.add_argument("--url", help="use this cluster instead of starting the test stack")
    parser.add_argument("--baseline-threads", type=int, default=8)
    parser.add_argument(
        "--fixed", default="8,16,32", help="fixed --concurrency values to measure for updates"
    )
    parser.add_argument("--no-curl", action="store_true", help="skip the curl baseline")
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
        run(bench, fixed, curl=not args.no_curl and shutil.which("curl") is not None)
    except KeyboardInterrupt:
        print("interrupted")
    finally:
        try:
            if stack is None:
                bench.clean()
        finally:
            if stack is not None:
                stack.stop()  # every process it started, by PID
    table(bench)
    print(
        f"\n{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; baseline: httpx, "
        f"{args.baseline_threads} threads, one request per connector, no retries."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
