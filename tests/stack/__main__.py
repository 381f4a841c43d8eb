"""`python -m tests.stack up [--detach] [--elasticsearch] | down | status | env`: run the test
stack by hand.

`up` starts Kafka (KRaft), two Connect workers and MariaDB (with `--elasticsearch` also the
Confluent Elasticsearch sink in the workers and an Elasticsearch server), prints where
everything is and stays in the foreground until Ctrl-C (then stops everything it started).
With `--detach` it leaves the processes running and records their PIDs; `down` stops them by
those PIDs, `status` shows them, `env` prints its `export` lines again (for another shell).

stdout holds only `export` lines (progress goes to stderr), so a shell can take them:

    eval "$(python -m tests.stack up --detach --elasticsearch)"
    kconnect apply connectors.d/ --wait
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from tests.stack.stack import (
    Stack,
    StackError,
    alive_pids,
    exports_from,
    kill_recorded,
    state_pointer,
)


def export_lines(stack: Stack) -> list[str]:
    """Shell `export` lines that point connectors.d/ (and kconnect) at this stack."""
    return _exports(stack.describe())


def _exports(info: dict[str, object]) -> list[str]:
    """`export_lines` from a stack's `describe()` (also the detached stack's pointer file)."""
    return [f"export {k}={shlex.quote(v)}" for k, v in exports_from(info).items()]


def _env(args: argparse.Namespace) -> int:
    pointer = state_pointer()
    if not pointer.exists():
        _err("no detached stack recorded; start one with `python -m tests.stack up --detach`")
        return 1
    print("\n".join(_exports(json.loads(pointer.read_text()))))
    return 0


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _up(args: argparse.Namespace) -> int:
    pointer = state_pointer()
    if pointer.exists():
        old = json.loads(pointer.read_text())
        if alive_pids(old):
            _err(
                f"a detached stack is already running ({old['urls']}); run `python -m tests.stack down` first"
            )
            return 1
    stack = Stack(
        workers=args.workers,
        run_dir=Path(args.run_dir) if args.run_dir else None,
        keep_run_dir=args.keep or args.detach,
        elasticsearch=args.elasticsearch,
    )
    try:
        stack.start()
    except StackError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    info = stack.describe()
    _err(json.dumps(info, indent=1))
    print("\n".join(export_lines(stack)), flush=True)
    if args.detach:
        pointer.parent.mkdir(parents=True, exist_ok=True)
        pointer.write_text(json.dumps(info, indent=1))
        # Leave the processes running: forget them so atexit does not stop them.
        stack._stopped = True
        _err("detached; stop with `python -m tests.stack down`")
        return 0
    done = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    _err("running; Ctrl-C stops the stack")
    try:
        while not done.wait(1.0):
            pass
    finally:
        stack.stop()
    return 0


def _recorded() -> dict[str, Any] | None:
    """The detached stack's recorded state, or None (said on stdout) when there is none."""
    pointer = state_pointer()
    if not pointer.exists():
        print("no detached stack recorded")
        return None
    state: dict[str, Any] = json.loads(pointer.read_text())
    return state


def _down(args: argparse.Namespace) -> int:
    state = _recorded()
    if state is None:
        return 0
    kill_recorded(state)
    state_pointer().unlink(missing_ok=True)
    if not args.keep:
        shutil.rmtree(state["run_dir"], ignore_errors=True)
    else:
        print(f"logs kept in {state['log_dir']}")
    return 0


def _status(args: argparse.Namespace) -> int:
    state = _recorded()
    if state is None:
        return 1
    alive = alive_pids(state)
    ok = True
    for name, pid in (state.get("pids") or {}).items():
        print(f"{name:10} pid {pid:>7}  {'running' if name in alive else 'NOT RUNNING'}")
        ok = ok and name in alive
    for url in state.get("urls", []):
        try:
            r = httpx.get(f"{url}/", timeout=5)
            print(f"{url}: {r.status_code} {r.text[:120]}")
        except httpx.HTTPError as e:
            print(f"{url}: {e!r}")
            ok = False
    print(f"logs: {state['log_dir']}")
    return 0 if ok else 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.stack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start the stack")
    up.add_argument("--detach", action="store_true", help="leave it running and return")
    up.add_argument("--workers", type=int, default=2)
    up.add_argument(
        "--elasticsearch",
        action="store_true",
        help="also build the Elasticsearch sink (../shared/elasticsearch-sink) into the workers "
        "and start an Elasticsearch server",
    )
    up.add_argument("--run-dir", help="folder for configs, data and logs (default: a new temp dir)")
    up.add_argument("--keep", action="store_true", help="keep the run dir (logs) after stopping")
    down = sub.add_parser("down", help="stop a detached stack")
    down.add_argument("--keep", action="store_true", help="keep its run dir (logs)")
    sub.add_parser("status", help="show a detached stack")
    sub.add_parser("env", help="print the detached stack's `export` lines again (eval them)")
    args = parser.parse_args(argv)
    return {"up": _up, "down": _down, "status": _status, "env": _env}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
