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


# Each connector holds a password of its own, as every Debezium or JDBC connector does: the
# manifests take it from an env file (`${PW_00001}`), the live configs hold it, and every
# output is searched for all of them.
SECRET_KEY = "producer.override.ssl.key.password"


def _config(i: int, secrets: bool) -> dict[str, str]:
    config = {"connector.class": SOURCE, "tasks.max": "1", "topic": f"t{i}", "file": f"/tmp/c{i}"}
    if secrets:
        config[SECRET_KEY] = f"s3cret-{i:05d}"
    return config


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
    parser.add_argument(
        "--secrets",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="give each connector a password (--no-secrets: configs without one)",
    )
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]

    compileall.compile_dir(Path(kconnect.__file__).parent, quiet=1)
    base = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("KCONNECT_")
    }
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {options.runs}, "
        + ("a password per connector" if options.secrets else "no passwords")
    )
    header = ("command", "connectors", "wall", "cpu", "cpu per 1k", "peak RSS")
    print("{:<20}{:>11}{:>9}{:>9}{:>12}{:>10}  load".format(*header))
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp, FakeConnect() as fake:
            manifests, env_file = Path(tmp) / "connectors", Path(tmp) / "passwords.env"
            manifests.mkdir()
            with (manifests / "all.yaml").open("w") as out, env_file.open("w") as passwords:
                for i in range(count):
                    config = _config(i, options.secrets)
                    if SECRET_KEY in config:
                        passwords.write(f"PW_{i:05d}={config[SECRET_KEY]}\n")
                        config[SECRET_KEY] = f"${{PW_{i:05d}}}"
                    lines = "".join(f"  {k}: {v}\n" for k, v in config.items())
                    out.write(f"name: c{i:05d}\nconfig:\n{lines}---\n")
            for i in range(count):
                fake.add_connector(f"c{i:05d}", _config(i, options.secrets))
            env = {**base, "KCONNECT_URL": fake.url}
            command = [sys.executable, "-m", "kconnect"]
            read = [str(manifests), "--env-file", str(env_file)]
            cases = {
                "status": [*command, "status"],
                "validate (offline)": [*command, "validate", *read],
                "plan (no changes)": [*command, "plan", *read],
                "apply (no changes)": [*command, "apply", *read],
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
