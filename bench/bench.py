"""kconnect benchmarks against the in-process fake Connect worker. Prints figures; asserts nothing.

    python bench/bench.py            # everything
    python bench/bench.py --quick    # fewer repetitions

Targets (from the issue): `--help` median ≤ 250 ms; a plan of 1,000 connectors sends exactly
one read request; a no-op apply sends zero writes; 200 creates at 20 ms latency ≤ 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakeconnect import FakeConnect  # noqa: E402

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def _kconnect(*args: str, url: str = "") -> tuple[float, int, str]:
    env = {**os.environ, "KCONNECT_URL": url} if url else dict(os.environ)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "kconnect", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return time.perf_counter() - start, done.returncode, done.stdout + done.stderr


def startup(runs: int) -> None:
    for args in (("--help",), ("--version",)):
        _kconnect(*args)  # warm the file cache once
        times = [_kconnect(*args)[0] * 1000 for _ in range(runs)]
        print(
            f"kconnect {args[0]:<10} median {statistics.median(times):6.1f} ms  "
            f"min {min(times):6.1f} ms  max {max(times):6.1f} ms  ({runs} runs)"
        )


def _manifests(directory: Path, count: int) -> None:
    with (directory / "all.yaml").open("w") as out:
        for i in range(count):
            out.write(
                f"name: c{i:04d}\nconfig:\n  connector.class: {SOURCE}\n  tasks.max: 1\n"
                f"  topic: t{i}\n  file: /tmp/c{i}.txt\n---\n"
            )


def plan_and_noop_apply(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeConnect() as fake:
        _manifests(Path(tmp), count)
        for i in range(count):
            fake.add_connector(
                f"c{i:04d}",
                {
                    "connector.class": SOURCE,
                    "tasks.max": "1",
                    "topic": f"t{i}",
                    "file": f"/tmp/c{i}.txt",
                },
            )
        fake.clear_requests()
        seconds, code, _ = _kconnect("plan", tmp, "--detailed-exitcode", url=fake.url)
        print(
            f"plan of {count:>5} (no changes)  {seconds * 1000:7.0f} ms  exit {code}  "
            f"requests {len(fake.requests)} (writes {len(fake.writes())})"
        )
        fake.clear_requests()
        seconds, code, _ = _kconnect("apply", tmp, url=fake.url)
        print(
            f"no-op apply of {count:>5}       {seconds * 1000:7.0f} ms  exit {code}  "
            f"requests {len(fake.requests)} (writes {len(fake.writes())})"
        )


def creates(count: int, latency_ms: float, concurrency: int = 8) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeConnect(latency=latency_ms / 1000) as fake:
        _manifests(Path(tmp), count)
        seconds, code, output = _kconnect(
            "apply", tmp, "--concurrency", str(concurrency), url=fake.url
        )
        created = len(fake.connector_names())
        print(
            f"create {count} at {latency_ms:>4.0f} ms latency, concurrency {concurrency}: "
            f"{seconds * 1000:7.0f} ms  exit {code}  created {created}  writes {len(fake.writes())}"
        )
        if code != 0:
            print(output[-2000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores")
    startup(5 if options.quick else 15)
    for count in (200, 1000):
        plan_and_noop_apply(count)
    creates(200, 0)
    creates(200, 20)


if __name__ == "__main__":
    main()
