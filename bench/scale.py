"""Scale on the in-process fake worker: `status`, offline `validate` of the manifests, a
no-op `plan` and a no-op `apply` at 500, 1,000 and 5,000 connectors — wall time, CPU time and
peak memory (max RSS) of the kconnect process. Prints figures; asserts nothing.

    python bench/scale.py [--sizes 500,1000,5000] [--runs 3]

Targets (issue #22): at 5,000 connectors `status` and `plan` each ≤ 1.5 s and ≤ 100 MB, and
the curve linear (CPU per 1,000 connectors flat or falling from 500 to 5,000). The fake
serves the whole `GET /connectors?expand=info&expand=status` answer from the same machine, so
its own CPU time is inside the wall figure (as a real worker's network time would be); the
CPU column is the kconnect process alone. The median of `--runs`.
Bytecode is compiled first and used (PYTHONDONTWRITEBYTECODE removed), as on a user's machine.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import kconnect  # noqa: E402
from tests.fakeconnect import FakeConnect  # noqa: E402

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def _config(i: int) -> dict[str, str]:
    return {"connector.class": SOURCE, "tasks.max": "1", "topic": f"t{i}", "file": f"/tmp/c{i}"}


def _measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, float]:
    """Wall seconds, peak RSS in MB, exit code and CPU seconds (user + system) of one child:
    on a loaded machine the wall time mostly measures the queue for a core."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.stderr is not None:
        child.stderr.close()
    return wall, usage.ru_maxrss / 1024, child.returncode, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="500,1000,5000")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]

    compileall.compile_dir(Path(kconnect.__file__).parent, quiet=1)
    base = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("KCONNECT_")
    }
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {options.runs}")
    header = ("command", "connectors", "wall", "cpu", "cpu per 1k", "peak RSS")
    print("{:<20}{:>11}{:>9}{:>9}{:>12}{:>10}  load".format(*header))
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp, FakeConnect() as fake:
            with (Path(tmp) / "all.yaml").open("w") as out:
                for i in range(count):
                    config = "".join(f"  {k}: {v}\n" for k, v in _config(i).items())
                    out.write(f"name: c{i:05d}\nconfig:\n{config}---\n")
            for i in range(count):
                fake.add_connector(f"c{i:05d}", _config(i))
            env = {**base, "KCONNECT_URL": fake.url}
            cases = {
                "status": [sys.executable, "-m", "kconnect", "status"],
                "validate (offline)": [sys.executable, "-m", "kconnect", "validate", tmp],
                "plan (no changes)": [sys.executable, "-m", "kconnect", "plan", tmp],
                "apply (no changes)": [sys.executable, "-m", "kconnect", "apply", tmp],
            }
            for name, argv in cases.items():
                runs = [_measure(argv, env) for _ in range(options.runs)]
                codes = {r[2] for r in runs}
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[3] for r in runs)
                rss = max(r[1] for r in runs)
                print(
                    f"{name:<20}{count:>11,}{wall:>8.2f}s{cpu:>8.2f}s{cpu / count * 1000:>11.3f}s"
                    f"{rss:>8.0f}MB  {os.getloadavg()[0]:.2f}"
                    + ("" if codes == {0} else f"  exit {sorted(codes)}")
                )


if __name__ == "__main__":
    main()
