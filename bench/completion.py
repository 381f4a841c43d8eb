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
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakeconnect import FakeConnect  # noqa: E402


def _time(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "kconnect", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return (time.perf_counter() - start) * 1000, done.stdout


def _report(label: str, args: list[str], env: dict[str, str], runs: int) -> None:
    _, sample = _time(args, env)  # warm the file cache once
    times = [_time(args, env)[0] for _ in range(runs)]
    offered = len(sample.splitlines())
    print(
        f"{label:<44} median {statistics.median(times):6.1f} ms  max {max(times):6.1f} ms  "
        f"({offered} candidates, {runs} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
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
