"""The test stack's reading of the workers' request logs, which bench/real_cluster.py counts
requests from and times their phases by: one line per request, the forwarded copy marked, and
when each request reached the worker and was answered. No stack is started here."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from tests.stack.stack import Stack

RESTSERVER = "(org.apache.kafka.connect.runtime.rest.RestServer)"


def _line(logged: str, request: str, status: int, agent: str, millis: str) -> str:
    return (
        f"[{logged}] INFO 127.0.0.1 - - [06/Dec/2026:04:39:55 +0000] "
        f'"{request} HTTP/1.1" {status} 420 "" "{agent}" {millis}{RESTSERVER}\n'
    )


def _epoch(logged: str) -> float:
    return datetime.datetime.strptime(logged, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def test_requests_carry_when_the_worker_got_and_answered_them(tmp_path: Path) -> None:
    stack = Stack(workers=2, run_dir=tmp_path, with_mariadb=False)
    stack.log_dir.mkdir()
    earlier = _line("2026-12-06 04:39:50,000", "GET /", 200, "kconnect/0.1", "3 ")
    stack.worker_log(0).write_text(earlier)
    marks = stack.log_marks()
    with stack.worker_log(0).open("a") as log:
        log.write("[2026-12-06 04:39:56,100] INFO some other line (x)\n")
        log.write(
            _line("2026-12-06 04:39:56,147", "PUT /connectors/a/pause", 202, "kconnect/0.1", "42 ")
        )
    stack.worker_log(1).write_text(
        _line(
            "2026-12-06 04:39:57,000",
            "PUT /connectors/b/pause?forward=true",
            202,
            "Jersey/3.1",
            "7 ",
        )
        # an older log layout without the latency: still counted, not timed
        + _line("2026-12-06 04:39:58,000", "PUT /connectors/c/resume", 202, "curl/8", "")
    )

    lines = stack.requests(since=marks)

    assert [(r.worker, r.method, r.path, r.status, r.forwarded) for r in lines] == [
        (0, "PUT", "/connectors/a/pause", 202, False),
        (1, "PUT", "/connectors/b/pause?forward=true", 202, True),
        (1, "PUT", "/connectors/c/resume", 202, False),
    ]
    first = lines[0]
    assert first.ended == pytest.approx(_epoch("2026-12-06 04:39:56,147"))
    assert first.millis == 42
    assert first.started == pytest.approx(_epoch("2026-12-06 04:39:56,105"))
    assert (lines[2].millis, lines[2].started) == (None, None)
    assert lines[2].ended == pytest.approx(_epoch("2026-12-06 04:39:58,000"))
