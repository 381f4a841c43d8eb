"""Shell-completion answer times: what a TAB costs. Prints figures; asserts nothing.

    python bench/completion.py [--runs N]

Target (issue #13): a completion request answers within 300 ms when the cluster is
unreachable — a closed port, and a worker that accepts the connection and never answers
(a listening socket nobody reads, on 127.0.0.1). `kconnect --help` is measured alongside:
completion must not slow the normal path (≤ 250 ms).
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakeconnect import FakeConnect  # noqa: E402


def _time(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system) of one run, in ms, and what it printed. CPU
    time says what kconnect costs even on a loaded machine, where wall time mostly measures
    the queue for a core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "kconnect", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu, done.stdout


def _report(label: str, args: list[str], env: dict[str, str], runs: int) -> None:
    _, _, sample = _time(args, env)  # warm the file cache once
    runs_done = [_time(args, env) for _ in range(runs)]
    wall = [r[0] for r in runs_done]
    cpu = [r[1] for r in runs_done]
    offered = len(sample.splitlines())
    print(
        f"{label:<44} wall median {statistics.median(wall):6.1f} ms  max {max(wall):6.1f} ms  "
        f"cpu median {statistics.median(cpu):6.1f} ms  ({offered} lines, {runs} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    base = {k: v for k, v in os.environ.items() if not k.startswith("KCONNECT_")}
    complete = {**base, "_KCONNECT_COMPLETE": "zsh_complete"}

    silent = socket.socket()  # accepts connections (the kernel does), never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(128)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()

    _report("kconnect --help", ["--help"], base, runs)
    _report("complete a command name (kconnect st<TAB>)", ["st"], complete, runs)
    _report("complete an option (kconnect apply --<TAB>)", ["apply", "--"], complete, runs)
    with FakeConnect() as fake:
        for i in range(50):
            fake.add_connector(f"c{i:02d}", {"connector.class": "FileStreamSource"})
        live = {**complete, "KCONNECT_URL": fake.url}
        _report("connector names, fake worker (50)", ["status", ""], live, runs)
    for label, url in (
        ("connector names, closed port", f"http://127.0.0.1:{closed_port}"),
        ("connector names, worker never answers", f"http://127.0.0.1:{silent.getsockname()[1]}"),
    ):
        _report(label, ["status", ""], {**complete, "KCONNECT_URL": url}, runs)
    silent.close()


if __name__ == "__main__":
    main()
