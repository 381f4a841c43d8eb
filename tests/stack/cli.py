"""Run the real `kconnect` CLI as a subprocess against the test stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


@dataclass
class KResult:
    args: list[str]
    exit_code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    def describe(self) -> str:
        return (
            f"`kconnect {' '.join(self.args)}` exited {self.exit_code} after {self.seconds:.1f}s\n"
            f"--- stdout\n{self.stdout[-6000:]}\n--- stderr\n{self.stderr[-6000:]}"
        )


def run_kconnect(
    *args: str | os.PathLike[str],
    url: str,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> KResult:
    """`python -m kconnect ARGS` with KCONNECT_URL=url, from the repository root."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KCONNECT_")}
    full_env.update({"KCONNECT_URL": url, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200"})
    full_env.update(env or {})
    argv = [str(a) for a in args]
    t0 = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-m", "kconnect", *argv],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=str(REPO),
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return KResult(argv, res.returncode, res.stdout, res.stderr, time.monotonic() - t0)
