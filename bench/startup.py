"""Start-up: what the commands people run by hand and in pre-commit cost, as a ratio to
`python -c pass` of the same interpreter. Prints figures; asserts nothing.

    python bench/startup.py [--runs 9] [--venv PATH | --clean-venv]

The issue measures in a clean virtual environment (kconnect and its dependencies only, no
system site-packages): a big site-packages makes `python -c pass` slower and every ratio look
better than a user's. `--clean-venv` makes one in a temporary directory (`python -m venv`, then
`pip install -e .`; needs the package index or a pip cache); `--venv PATH` measures with an
existing one; without either, this interpreter. The first line names what was measured.

Targets (issue #22): `validate` of one manifest ≤ 6×, `plan` of one manifest against a local
worker (the in-process fake, on 127.0.0.1) ≤ 8×, `--help` ≤ 4×, completion unchanged.

Measured as a user's machine runs kconnect: with bytecode cached. The script compiles the
package first and runs every child with PYTHONDONTWRITEBYTECODE removed from its environment
(some sandboxes set it, and then every run would compile kconnect from source). Each round runs
the baseline and every command once, in the same loop, so that a busy machine slows them alike;
the figure per command is the median of the rounds. Wall time is what a user waits for; CPU time
(user + system) says what kconnect itself costs when the machine is loaded.

Output is piped (as in CI and pre-commit); the `(tty)` rows run the command in a pseudo-terminal,
as at a prompt, where output is styled. The `(httpx)` row runs plan with KCONNECT_HTTP_CLIENT=httpx,
as an https:// or proxied worker would be reached, instead of the light plain-HTTP transport.
"""

from __future__ import annotations

import argparse
import os
import pty
import resource
import select
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
TARGETS = {"--help": 4.0, "validate (1 manifest)": 6.0, "plan (1 manifest)": 8.0}


def _run(argv: list[str], env: dict[str, str], tty: bool = False) -> tuple[float, float, int]:
    """Wall and CPU milliseconds of one child, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    if tty:
        code = _in_pty(argv, env)
    else:
        code = subprocess.run(argv, capture_output=True, env=env, check=False).returncode
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu, code


def _in_pty(argv: list[str], env: dict[str, str]) -> int:
    """Run `argv` with stdout and stderr on a pseudo-terminal, reading all it writes."""
    main_fd, child_fd = pty.openpty()
    child = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=child_fd, stderr=child_fd, env=env
    )
    os.close(child_fd)
    try:
        while True:
            ready, _, _ = select.select([main_fd], [], [], 10)
            if not ready:
                break
            try:
                if not os.read(main_fd, 65536):
                    break
            except OSError:  # EIO: the child closed the terminal
                break
    finally:
        os.close(main_fd)
    return child.wait()


def _interpreter(args: argparse.Namespace, tmp: str) -> str:
    """The Python to measure: a venv's, a fresh clean venv's, or this one."""
    if args.clean_venv:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-e", str(ROOT)],
            check=True,
        )
        return str(venv / "bin" / "python")
    if args.venv:
        return str(Path(args.venv) / "bin" / "python")
    return sys.executable


def _package(python: str) -> str:
    probe = "import kconnect, os; print(os.path.dirname(kconnect.__file__))"
    return subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()


def _describe(python: str) -> str:
    """What the measured interpreter is: a venv or not, with system site-packages or not, and
    how many distributions it can import."""
    probe = (
        "import sys, importlib.metadata as m, pathlib; "
        "cfg = pathlib.Path(sys.prefix, 'pyvenv.cfg'); "
        "venv = sys.prefix != sys.base_prefix; "
        "system = venv and 'include-system-site-packages = true' in cfg.read_text(); "
        "kind = 'no venv' if not venv else "
        "'venv with system site-packages' if system else 'clean venv'; "
        "print(f'{sys.prefix} ({kind}, {len(list(m.distributions()))} distributions)')"
    )
    done = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--venv", help="measure with this virtual environment's Python")
    where.add_argument(
        "--clean-venv", action="store_true", help="make a clean venv (pip install -e .) first"
    )
    args = parser.parse_args()
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        python = _interpreter(args, tmp)
        # `python -m kconnect` imports from the working directory first: run outside any
        # checkout, so that the measured interpreter's own kconnect is what runs.
        os.chdir(tmp)
        try:
            _measure(python, args.runs)
        finally:
            os.chdir(here)


def _measure(python: str, runs: int) -> None:
    # The package the measured interpreter imports (a venv may hold another checkout's).
    compile_it = (
        "import compileall, kconnect, os; "
        "compileall.compile_dir(os.path.dirname(kconnect.__file__), quiet=1)"
    )
    subprocess.run([python, "-c", compile_it], check=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("KCONNECT_")
    }
    # What users type: the `kconnect` script pip installs beside the interpreter (it imports
    # less than `python -m kconnect`, which loads runpy first); `-m` where there is none.
    script = Path(python).parent / "kconnect"
    kc = [python, str(script)] if script.is_file() else [python, "-m", "kconnect"]
    print(f"command: {' '.join(kc)}")
    with tempfile.TemporaryDirectory() as tmp, FakeConnect() as fake:
        manifest = Path(tmp) / "one.yaml"
        manifest.write_text(
            f"name: one\nconfig:\n  connector.class: {SOURCE}\n  tasks.max: 1\n"
            "  topic: lines\n  file: /tmp/one.txt\n",
            encoding="utf-8",
        )
        live = {**env, "KCONNECT_URL": fake.url}
        complete = {**env, "_KCONNECT_COMPLETE": "zsh_complete"}
        cases: dict[str, tuple[list[str], dict[str, str], bool]] = {
            "python -c pass": ([python, "-c", "pass"], env, False),
            "--help": ([*kc, "--help"], env, False),
            "validate (1 manifest)": ([*kc, "validate", str(manifest)], env, False),
            "validate (1 manifest, tty)": ([*kc, "validate", str(manifest)], env, True),
            "plan (1 manifest)": ([*kc, "plan", str(manifest)], live, False),
            "plan (1 manifest, tty)": ([*kc, "plan", str(manifest)], live, True),
            # The same over httpx instead of the light transport: what the light one saves.
            "plan (1 manifest, httpx)": (
                [*kc, "plan", str(manifest)],
                {**live, "KCONNECT_HTTP_CLIENT": "httpx"},
                False,
            ),
            "completion (kconnect st<TAB>)": ([*kc, "st"], complete, False),
            "completion (kconnect apply --<TAB>)": ([*kc, "apply", "--"], complete, False),
        }
        for argv, case_env, tty in cases.values():  # warm the caches; check each one works
            code = _run(argv, case_env, tty)[2]
            if code != 0:
                sys.exit(f"{' '.join(argv[1:])} exited {code}")
        wall: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        load_before = os.getloadavg()
        for _ in range(runs):
            for name, (argv, case_env, tty) in cases.items():
                w, c, _code = _run(argv, case_env, tty)
                wall[name].append(w)
                cpu[name].append(c)
        load_after = os.getloadavg()

    print(f"measured: {_describe(python)}, kconnect from {_package(python)}")
    print(
        f"{os.cpu_count()} cores, median of {runs}, "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    base_wall = statistics.median(wall["python -c pass"])
    base_cpu = statistics.median(cpu["python -c pass"])
    for name in cases:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        target = TARGETS.get(name.replace(", tty", ""))
        verdict = ""
        if target is not None:
            # Met only if both are: on a loaded machine the wall time of `python -c pass`
            # grows more than a longer command's, and the wall ratio alone flatters.
            met = w / base_wall <= target and c / base_cpu <= target
            verdict = f"  target ≤ {target:.0f}× (wall and cpu): {'met' if met else 'MISSED'}"
        print(
            f"{name:<38} wall {w:7.1f} ms  {w / base_wall:5.1f}×   "
            f"cpu {c:7.1f} ms  {c / base_cpu:5.1f}×{verdict}"
        )


if __name__ == "__main__":
    main()
