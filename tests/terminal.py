"""A program in a pseudo-terminal, and the screen a person would read (pyte emulates it).

Used to check what TAB offers in an interactive shell and what a live progress display
leaves on screen: both are terminal behaviour that captured pipes cannot show.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping, Sequence

import pyte


class Terminal:
    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        cwd: str | None = None,
        columns: int = 100,
        rows: int = 30,
    ) -> None:
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self._master = master
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={"TERM": "xterm-256color", **env, "COLUMNS": str(columns), "LINES": str(rows)},
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)

    def resize(self, *, columns: int, rows: int) -> None:
        """The window changes size between two frames: the program reads the new size from
        its terminal. (It is stopped meanwhile, and what it wrote is read first: a frame laid
        out for the old size and written after the change would wrap whatever the program
        does, a race no program can close.)"""
        os.killpg(self.process.pid, signal.SIGSTOP)
        try:
            while select.select([self._master], [], [], 0.3)[0] and self._pump(0):
                pass
            fcntl.ioctl(self._master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
            self.screen.resize(rows, columns)
        finally:
            os.killpg(self.process.pid, signal.SIGCONT)

    def send(self, text: str) -> None:
        os.write(self._master, text.encode())

    def _pump(self, timeout: float) -> bool:
        ready, _, _ = select.select([self._master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self._master, 65536)
        except OSError:  # the program exited and the pty closed
            return False
        if not data:
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display).rstrip()

    def wait_for(self, wanted: str | Callable[[str], bool], timeout: float = 15.0) -> str:
        check = (lambda text: wanted in text) if isinstance(wanted, str) else wanted
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check(self.text()):
                return self.text()
            if not self._pump(0.05):
                break
        if check(self.text()):
            return self.text()
        raise AssertionError(f"not on screen after {timeout}s: {wanted!r}\n---\n{self.text()}")

    def wait_exit(self, timeout: float = 30.0) -> int:
        """Read everything the program writes until it exits and closes the terminal."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._pump(0.05):
            pass
        return self.process.wait(timeout=max(0.1, deadline - time.monotonic()))

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self._master)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
