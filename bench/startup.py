"""Start-up: what the commands people run by hand and in pre-commit cost, as a ratio to
`python -c pass` of the same interpreter. Prints figures; asserts nothing.

    python bench/startup.py [--runs 9]

Targets (issue #22): `validate` of one manifest ≤ 6×, `plan` of one manifest against a local
worker (the in-process fake, on 127.0.0.1) ≤ 8×, `--help` ≤ 4×, completion unchanged.

Measured as a user's machine runs kconnect: with bytecode cached. The script compiles the
package first and runs every child with PYTHONDONTWRITEBYTECODE removed from its environment
(some sandboxes set it, and then every run would compile kconnect from source). Each round runs
the baseline and every command once, in the same loop, so that a busy machine slows them alike;
the figure per command is the median of the rounds. Wall time is what a user waits for; CPU time
(user + system) says what kconnect itself costs when the machine is loaded.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
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
TARGETS = {"--help": 4.0, "validate (1 manifest)": 6.0, "plan (1 manifest)": 8.0}


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall and CPU milliseconds of one child, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env, check=False)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs

    compileall.compile_dir(Path(kconnect.__file__).parent, quiet=1)
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("KCONNECT_")
    }
    python = sys.executable
    kc = [python, "-m", "kconnect"]
    with tempfile.TemporaryDirectory() as tmp, FakeConnect() as fake:
        manifest = Path(tmp) / "one.yaml"
        manifest.write_text(
            f"name: one\nconfig:\n  connector.class: {SOURCE}\n  tasks.max: 1\n"
            "  topic: lines\n  file: /tmp/one.txt\n",
            encoding="utf-8",
        )
        live = {**env, "KCONNECT_URL": fake.url}
        complete = {**env, "_KCONNECT_COMPLETE": "zsh_complete"}
        cases: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass": ([python, "-c", "pass"], env),
            "--help": ([*kc, "--help"], env),
            "validate (1 manifest)": ([*kc, "validate", str(manifest)], env),
            "plan (1 manifest)": ([*kc, "plan", str(manifest)], live),
            "completion (kconnect st<TAB>)": ([*kc, "st"], complete),
            "completion (kconnect apply --<TAB>)": ([*kc, "apply", "--"], complete),
        }
        for argv, case_env in cases.values():  # warm the file cache; check each one works
            code = _run(argv, case_env)[2]
            if code != 0:
                sys.exit(f"{' '.join(argv[1:])} exited {code}")
        wall: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        load_before = os.getloadavg()
        for _ in range(runs):
            for name, (argv, case_env) in cases.items():
                w, c, _code = _run(argv, case_env)
                wall[name].append(w)
                cpu[name].append(c)
        load_after = os.getloadavg()

    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {runs}, "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    base_wall = statistics.median(wall["python -c pass"])
    base_cpu = statistics.median(cpu["python -c pass"])
    for name in cases:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"  target ≤ {target:.0f}×: {'met' if w / base_wall <= target else 'MISSED'}"
        print(
            f"{name:<38} wall {w:7.1f} ms  {w / base_wall:5.1f}×   "
            f"cpu {c:7.1f} ms  {c / base_cpu:5.1f}×{verdict}"
        )


if __name__ == "__main__":
    main()
