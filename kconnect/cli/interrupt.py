"""Ctrl-C during writes to many connectors (`apply` and the bulk commands).

The first SIGINT starts no new write: the writes in flight may finish (for at most the
interrupt's grace), then the command reports what was done and what was not, and exits 130.
A second SIGINT exits at once. The core only sees an `Interrupt` (kconnect.ops.bulk); the
signal handling lives here, in the CLI.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

from kconnect.errors import ExitCode
from kconnect.ops.bulk import Interrupt

if TYPE_CHECKING:
    from kconnect.progress import Progress

log = logging.getLogger("kconnect.cli")


@contextmanager
def stop_on_ctrl_c(what: str = "writes") -> Iterator[Interrupt]:
    """An `Interrupt` that the first Ctrl-C sets while the block runs; the second one quits."""
    interrupt = Interrupt()
    if threading.current_thread() is not threading.main_thread():
        yield interrupt  # signals reach the main thread only (a library caller's thread)
        return

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if interrupt.is_set():
            quit_now()
        interrupt.set()
        # Through the logger: while a live display is up, it prints above it.
        log.warning(
            "interrupted: no new %s start; waiting up to %.0f s for those in flight, then "
            "reporting (Ctrl-C again quits at once)",
            what,
            interrupt.grace,
        )

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield interrupt
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def bulk_writes(what: str, output: str, *, quiet: bool) -> Iterator[tuple[Interrupt, Progress]]:
    """Around a bulk command's writes: Ctrl-C handling (`stop_on_ctrl_c(what)`) and the
    progress display for `output` (nothing shown when `quiet`)."""
    from kconnect.cli.progress import progress_display

    with stop_on_ctrl_c(what) as interrupt, progress_display(output, quiet=quiet) as progress:
        yield interrupt, progress


def bulk_exit_code(ok: bool, interrupt: Interrupt) -> ExitCode:
    """130 when Ctrl-C stopped the writes, else 1 when one failed, else 0."""
    if interrupt.is_set():
        return ExitCode.INTERRUPTED
    return ExitCode.OK if ok else ExitCode.ERROR


def quit_now() -> None:
    """The second Ctrl-C: exit 130 at once, whatever is in flight."""
    from kconnect.output.console import last_words

    last_words(
        "\nkconnect: quit at once (second Ctrl-C); writes in flight may or may not have "
        "been applied: run the command again to converge\n"
    )
    os._exit(130)


def exit_if_writes_left_running(code: int) -> None:
    """After an interrupted command has reported: writes still in flight past the grace hold
    worker threads that the interpreter would wait for at exit; exit without waiting."""
    if code != 130:
        return
    if any(
        t.is_alive() and not t.daemon
        for t in threading.enumerate()
        if t is not threading.main_thread()
    ):
        from kconnect.output.console import flush_streams

        flush_streams()
        os._exit(130)
