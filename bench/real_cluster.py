"""kconnect against a real two-worker Connect cluster, side by side with a plain parallel HTTP
baseline. Prints a table of figures; asserts nothing.

    python bench/real_cluster.py              # starts tests/stack, N=200, stops it after
    python bench/real_cluster.py -n 50        # fewer connectors
    python bench/real_cluster.py --url URL    # an existing cluster (no request counts)
    python bench/real_cluster.py --only state --rounds 5   # pause/resume only, 5 rounds
    python bench/real_cluster.py --only state --rounds 3 --state-fixed 4,8,32

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
Issue #22: pause and resume of N within 1.2x of the baseline.

Two baselines: "baseline" runs inside this script's process, so it pays no interpreter start,
no import and no TLS set-up; "baseline (own process)" is the same plain httpx script run as a
process of its own, as kconnect is (pause and resume, and one connector's pause: start-up).
Each kconnect row is compared with both. From the workers' request logs each row also says
where its time went: before the first request reached a worker (process start-up), from the
first request to the last answer (the writes), and after it (rendering, exit).

kconnect runs as a user's machine runs it: with bytecode cached. The script compiles the
package first and runs kconnect with PYTHONDONTWRITEBYTECODE removed from its environment
(some sandboxes set it, and then every run would compile kconnect from source).
The machine's load moves these numbers: run it on a quiet machine, and more than once.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
# The baseline's own process: argv url method path-with-{} threads; names on stdin; prints the
# number of failed writes.
PROCESS_BASELINE = """
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx

url, method, path, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
names = sys.stdin.read().split()
with httpx.Client(base_url=url, timeout=120, limits=httpx.Limits(max_connections=threads)) as http:
    def one(name):
        try:
            return http.request(method, path.format(name)).status_code
        except httpx.HTTPError:
            return 0

    with ThreadPoolExecutor(threads) as pool:
        statuses = list(pool.map(one, names))
print(sum(1 for s in statuses if not 200 <= s < 300))
"""
PREFIX = "bench"
BENCH_AGENT = "real-cluster-bench"  # the bench's own reads, never counted


@dataclass
class Row:
    operation: str
    tool: str
    seconds: float
    requests: int | None = None
    conflicts: int | None = None
    failed: int = 0
    note: str = ""
    round: int = 0
    # From the workers' request logs: seconds from the start to the first request reaching a
    # worker, and from then to the last answer (None without request logs).
    to_first: float | None = None
    span: float | None = None

    @property
    def phases(self) -> str:
        if self.to_first is None or self.span is None:
            return "-"
        after = self.seconds - self.to_first - self.span
        return f"{self.to_first:.2f} / {self.span:.2f} / {after:.2f}"


@dataclass
class Bench:
    url: str
    n: int
    threads: int
    workdir: Path
    stack: Any = None  # tests.stack.stack.Stack when we started one
    rows: list[Row] = field(default_factory=list)
    round: int = 0

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
    def counting(self) -> Iterator[dict[str, float]]:
        counts: dict[str, float] = {}
        marks = self.stack.log_marks() if self.stack else None
        started = time.time()
        yield counts
        if self.stack is None:
            return
        time.sleep(1.5)  # the request log is written after the answer
        # Only what the measured tool sent: not the copies a follower forwards to the leader,
        # nor the workers' own calls to each other (task configs, Jersey's user agent).
        # The bench's own status reads (`live`) have an agent of their own: the last one may
        # reach the log only after the marks were taken.
        lines = [
            r
            for r in self.stack.requests(since=marks)
            if not r.forwarded and r.agent.startswith(("kconnect/", "python-httpx/", "curl/"))
        ]
        counts["requests"] = len(lines)
        counts["conflicts"] = sum(r.status == 409 for r in lines)
        starts = [r.started for r in lines if r.started is not None]
        ends = [r.ended for r in lines if r.ended is not None]
        if starts and ends and len(starts) == len(lines):
            counts["to_first"] = max(0.0, min(starts) - started)
            counts["span"] = max(ends) - min(starts)

    def record(self, operation: str, tool: str, run: Callable[[], tuple[int, str]]) -> Row:
        with self.counting() as counts:
            started = time.monotonic()
            failed, note = run()
            seconds = time.monotonic() - started
        requests, conflicts = counts.get("requests"), counts.get("conflicts")
        row = Row(
            operation,
            tool,
            seconds,
            None if requests is None else int(requests),
            None if conflicts is None else int(conflicts),
            failed,
            note,
            self.round,
            counts.get("to_first"),
            counts.get("span"),
        )
        self.rows.append(row)
        print(
            f"  {operation:<22} {tool:<28} {seconds:7.2f} s  requests {row.requests}  "
            f"409s {row.conflicts}  failed {failed}  start/writes/after {row.phases} {note}",
            flush=True,
        )
        return row

    # -- kconnect -----------------------------------------------------------------------------

    def kconnect(self, *args: str) -> tuple[int, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("KCONNECT_") and k != "PYTHONDONTWRITEBYTECODE"
        }
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

    def baseline_process(
        self, method: str, path: str, only: list[str] | None = None
    ) -> tuple[int, str]:
        """The baseline as a process of its own, as kconnect runs: interpreter start-up,
        httpx's import and client set-up included. `path` has `{}` for the name."""
        names = only or self.names
        done = subprocess.run(
            [sys.executable, "-c", PROCESS_BASELINE, self.url, method, path, str(self.threads)],
            input="\n".join(names),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            return len(names), f"exit {done.returncode}: {done.stderr[-300:]}"
        return int(done.stdout), ""

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
        data: dict[str, Any] = httpx.get(
            f"{self.url}/connectors?expand=status", timeout=60, headers={"User-Agent": BENCH_AGENT}
        ).json()
        return {n: v for n, v in data.items() if n.startswith(f"{PREFIX}-")}

    def settle(
        self,
        state: str = "RUNNING",
        present: bool = True,
        timeout: float = 600,
        count: int | None = None,
        only: list[str] | None = None,
    ) -> None:
        """Wait until `count` (default N) connectors exist and they (or those in `only`) and
        their tasks are all in `state`; or until none exist (`present=False`)."""
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
                    for name, v in live.items()
                    if only is None or name in only
                ]
                if all(c == state and ts and all(t == state for t in ts) for c, ts in states):
                    return
            time.sleep(0.5)
        print(f"  (warning: connectors did not settle to {state} within {timeout:.0f} s)")

    def clean(self) -> None:
        left = sorted(self.live())
        if left:
            self.baseline("DELETE", lambda m: f"/connectors/{m}", only=left)
        self.settle(present=False)


def run(bench: Bench, fixed: list[int], curl: bool, rounds: int) -> None:
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
    state_changes(bench, rounds, [])
    bench.clean()


def state_changes(bench: Bench, rounds: int, fixed: list[int]) -> None:
    """Pause and resume all N (also at each `fixed` --concurrency), then one connector
    (start-up), by kconnect and both baselines; `rounds` times, each round alike, so that the
    load of a busy machine falls on all."""
    names = bench.names
    print(f"pause/resume {bench.n}", flush=True)
    tools: list[tuple[str, Callable[[str], tuple[int, str]], Callable[[str], tuple[int, str]]]] = [
        (
            "kconnect (default)",
            lambda action: bench.kconnect(action, *names),
            lambda action: bench.kconnect(action, names[0]),
        ),
        (
            "baseline (own process)",
            lambda action: bench.baseline_process("PUT", f"/connectors/{{}}/{action}"),
            lambda action: bench.baseline_process(
                "PUT", f"/connectors/{{}}/{action}", only=names[:1]
            ),
        ),
        (
            "baseline",
            lambda action: bench.baseline("PUT", lambda m: f"/connectors/{m}/{action}"),
            lambda action: bench.baseline(
                "PUT", lambda m: f"/connectors/{m}/{action}", only=names[:1]
            ),
        ),
    ]
    at_fixed: list[tuple[str, Callable[[str], tuple[int, str]]]] = [
        (
            f"kconnect --concurrency {c}",
            partial(lambda action, c: bench.kconnect(action, *names, "--concurrency", str(c)), c=c),
        )
        for c in fixed
    ]
    for bench.round in range(1, rounds + 1):
        for tool, every in [(tool, every) for tool, every, _ in tools] + at_fixed:
            bench.record("pause", tool, partial(every, "pause"))
            bench.settle("PAUSED")
            bench.record("resume", tool, partial(every, "resume"))
            bench.settle()
        for tool, _, one in tools:
            bench.record("pause 1", tool, partial(one, "pause"))
            bench.settle("PAUSED", only=names[:1])
            bench.record("resume 1", tool, partial(one, "resume"))
            bench.settle()


def prepare_state_only(bench: Bench) -> None:
    """`--only state`: N connectors created by the baseline, running, before the rounds."""
    bench.clean()
    bench.baseline("PUT", lambda m: f"/connectors/{m}/config", lambda m: bench.config(m, 0))
    bench.settle()


BASELINES = ("baseline", "baseline (own process)")


def table(bench: Bench) -> None:
    def refs_for(row: Row) -> list[Row]:
        """What a kconnect row is compared with: the baselines (and curl) of its round."""
        if not row.tool.startswith("kconnect"):
            return []
        same = [r for r in bench.rows if r.operation == row.operation and r.round == row.round]
        refs = [
            next(r for r in same if r.tool == tool)
            for tool in BASELINES
            if any(r.tool == tool for r in same)
        ]
        refs += [r for r in same if r.tool.startswith("curl")][:1]
        if row.operation == "update" and row.tool == "kconnect (default)" and best_fixed:
            refs.append(best_fixed)
        return refs

    fixed = [
        r for r in bench.rows if r.operation == "update" and r.tool.startswith("kconnect --conc")
    ]
    best_fixed = min(fixed, key=lambda r: r.seconds) if fixed else None
    print()
    print(
        f"| {bench.n} connectors | tool | s | start / writes / after (s) | requests | 409s "
        "| failed writes | ratios |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in bench.rows:
        ratios = ", ".join(
            f"{row.seconds / ref.seconds:.2f}× {ref.tool}"
            for ref in refs_for(row)
            if ref.seconds > 0
        )
        operation = f"{row.operation} (round {row.round})" if row.round else row.operation
        print(
            f"| {operation} | {row.tool} | {row.seconds:.2f} | {row.phases} | "
            f"{'-' if row.requests is None else row.requests} | "
            f"{'-' if row.conflicts is None else row.conflicts} | {row.failed} | {ratios} |"
        )
    medians(bench)


def medians(bench: Bench) -> None:
    """Per state operation and tool, the median of the rounds, and kconnect's ratios."""
    rounds = [r for r in bench.rows if r.round]
    if len({r.round for r in rounds}) < 2:
        return
    keys = list(dict.fromkeys((r.operation, r.tool) for r in rounds))
    median = {
        key: statistics.median(r.seconds for r in rounds if (r.operation, r.tool) == key)
        for key in keys
    }
    phased = {
        key: [r for r in rounds if (r.operation, r.tool) == key and r.span is not None]
        for key in keys
    }
    print(f"\nMedians of {len({r.round for r in rounds})} rounds:")
    print(
        "| operation | tool | s (median) | start / writes / after, s (medians) "
        "| (start + after) / writes | ratios of the medians |"
    )
    print("|---|---|---|---|---|---|")
    for (operation, tool), seconds in median.items():
        ratios = ""
        if tool.startswith("kconnect"):
            ratios = ", ".join(
                f"{seconds / median[(operation, ref)]:.2f}× {ref}"
                for ref in BASELINES
                if median.get((operation, ref))
            )
        rows = phased[(operation, tool)]
        phases, share = "-", "-"
        if rows:
            # Issue #22: within 1.2x of the in-process baseline, whose writes take as long as
            # kconnect's, leaves start-up + after the last answer about 0.2x the writes.
            start = statistics.median(r.to_first or 0.0 for r in rows)
            span = statistics.median(r.span or 0.0 for r in rows)
            after = statistics.median(
                r.seconds - (r.to_first or 0.0) - (r.span or 0.0) for r in rows
            )
            phases = f"{start:.2f} / {span:.2f} / {after:.2f}"
            share = f"{(start + after) / span:.2f}" if span > 0 else "-"
        print(f"| {operation} | {tool} | {seconds:.2f} | {phases} | {share} | {ratios} |")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="connectors (default 200)")
    parser.add_argument("--url", help="use this cluster instead of starting the test stack")
    parser.add_argument("--baseline-threads", type=int, default=8)
    parser.add_argument(
        "--fixed", default="8,16,32", help="fixed --concurrency values to measure for updates"
    )
    parser.add_argument("--no-curl", action="store_true", help="skip the curl baseline")
    parser.add_argument(
        "--only", choices=("all", "state"), default="all", help="state: pause/resume only"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="times to measure pause/resume (medians if > 1)"
    )
    parser.add_argument(
        "--state-fixed",
        default="",
        help="with --only state: fixed --concurrency values to measure pause/resume at too",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    state_fixed = [int(x) for x in args.state_fixed.split(",") if x]
    # As installed: bytecode compiled (kconnect runs without PYTHONDONTWRITEBYTECODE).
    compileall.compile_dir(ROOT / "kconnect", quiet=1)
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
        if args.only == "state":
            prepare_state_only(bench)
            state_changes(bench, args.rounds, state_fixed)
            bench.clean()
        else:
            curl = not args.no_curl and shutil.which("curl") is not None
            run(bench, fixed, curl, args.rounds)
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
    loads = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n{os.cpu_count()} CPUs, load average {loads} (1, 5, 15 min); baseline: httpx, "
        f"{args.baseline_threads} threads, one request per connector, no retries."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
