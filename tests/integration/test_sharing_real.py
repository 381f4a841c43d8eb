"""Two teams with their own scopes sharing the real distributed Connect 4.x stack.

Team A's `apply --prune` and `reconcile --prune --once` must leave team B's and a hand-made
connector alone: checked from the workers' own request logs, not from what kconnect says.
Then the refusals that must not write anything: an unsafe plan (until --force), a --target,
and a stale reviewed plan.

The stack is shared by the session: every name carries a unique suffix, every scope matches
only this test's names, and every connector created here is deleted at the end.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import CliRunner, write_manifest
from tests.stack.stack import Stack

pytestmark = pytest.mark.integration

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
REQUEST_LOG_LAG = 1.5  # Jetty writes the request log line after the answer


@pytest.fixture
def team(real_stack: Stack) -> Iterator[str]:
    suffix = uuid.uuid4().hex[:6]
    yield suffix
    with httpx.Client(base_url=real_stack.url, timeout=60) as http:
        for name in http.get("/connectors").json():
            if suffix in name:
                http.delete(f"/connectors/{name}")


def _config(stack: Stack, name: str, kind: str = "source") -> dict[str, str]:
    if kind == "sink":
        return {
            "connector.class": SINK,
            "tasks.max": "1",
            "topics": f"{name}-in",
            "file": str(stack.sink_file(f"{name}.out")),
        }
    return {
        "connector.class": SOURCE,
        "tasks.max": "1",
        "topic": f"{name}-out",
        "file": str(stack.sink_file(f"{name}.in")),
    }


def _manifest(stack: Stack, name: str, kind: str = "source") -> str:
    body = "".join(f"  {k}: {v}\n" for k, v in _config(stack, name, kind).items())
    return f"name: {name}\nconfig:\n{body}"


def _create(stack: Stack, name: str, kind: str = "source") -> None:
    r = httpx.post(
        f"{stack.url}/connectors",
        json={"name": name, "config": _config(stack, name, kind)},
        timeout=60,
    )
    assert r.status_code == 201, r.text


def _names(stack: Stack, suffix: str) -> list[str]:
    return sorted(n for n in httpx.get(f"{stack.url}/connectors", timeout=30).json() if suffix in n)


def _writes(stack: Stack, marks: dict[str, int]) -> list[tuple[str, str]]:
    """(method, path) of every write kconnect sent (the workers' own task-config POSTs
    between each other, user agent `kafka-connect`, are not ours)."""
    time.sleep(REQUEST_LOG_LAG)
    return sorted(
        (r.method, r.path)
        for r in stack.requests(since=marks)
        if r.method != "GET" and not r.forwarded and r.agent.startswith("kconnect")
    )


def _addressed(writes: list[tuple[str, str]]) -> set[str]:
    """Connector names in write paths (`POST /connectors` names its connector in the body)."""
    return {path.split("?")[0].split("/")[2] for _m, path in writes if path.count("/") >= 2}


def _repo(tmp_path: Path, owns: str, manifests: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True, exist_ok=True)
    (repo / "kconnect.yaml").write_text(f'owns: ["{owns}"]\n', encoding="utf-8")
    for name, text in manifests.items():
        write_manifest(repo / "connectors.d", f"{name}.yaml", text)
    return repo / "connectors.d"


def test_team_a_prunes_and_reconciles_without_touching_team_b_or_hand_made(
    cli: CliRunner, real_stack: Stack, team: str, tmp_path: Path
) -> None:
    a_keep, a_new, a_old = (f"kc-share-a-{team}-{k}" for k in ("keep", "new", "old"))
    b_src, b_sink, hand = f"kc-share-b-{team}-src", f"kc-share-b-{team}-sink", f"kc-hand-{team}"
    for name in (a_keep, a_old, b_src, hand):
        _create(real_stack, name)
    _create(real_stack, b_sink, "sink")
    env = {"KCONNECT_URL": real_stack.url}
    team_a = _repo(
        tmp_path,
        f"kc-share-a-{team}-*",
        {a_keep: _manifest(real_stack, a_keep), a_new: _manifest(real_stack, a_new, "sink")},
    )

    # A name outside the scope fails validate, before anything else.
    typo = tmp_path / "typo"
    write_manifest(typo, "x.yaml", _manifest(real_stack, f"kc-share-x-{team}"))
    result = cli("validate", str(typo), "--owns", f"kc-share-a-{team}-*")
    assert result.exit_code == 1
    assert "scope/not-owned" in result.stdout

    marks = real_stack.log_marks()
    result = cli("apply", str(team_a), "--prune", "--yes", env=env)
    assert result.exit_code == 0, result.output
    # A new running connector is created with PUT .../config (idempotent when re-tried).
    assert _writes(real_stack, marks) == [
        ("DELETE", f"/connectors/{a_old}"),
        ("PUT", f"/connectors/{a_new}/config"),
    ]
    assert _names(real_stack, team) == sorted([a_keep, a_new, b_sink, b_src, hand])

    # Team B's connector paused by hand stays paused: reconcile for team A never resumes it.
    assert httpx.put(f"{real_stack.url}/connectors/{b_src}/pause", timeout=30).status_code == 202
    assert httpx.put(f"{real_stack.url}/connectors/{a_keep}/pause", timeout=30).status_code == 202
    marks = real_stack.log_marks()
    result = cli(
        "reconcile", str(team_a), "--prune", "--once", "--auto-restart", "--timeout", "60",
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    writes = _writes(real_stack, marks)
    assert _addressed(writes) == {a_keep}, writes
    assert f"ownership scope: kc-share-a-{team}-*" in result.stdout
    status = httpx.get(f"{real_stack.url}/connectors/{b_src}/status", timeout=30).json()
    assert status["connector"]["state"] == "PAUSED"


def test_unsafe_plan_target_and_stale_reviewed_plan_write_nothing(
    cli: CliRunner, real_stack: Stack, team: str, tmp_path: Path
) -> None:
    owned = [f"kc-share-a-{team}-{i}" for i in range(4)]
    for name in owned:
        _create(real_stack, name)
    env = {"KCONNECT_URL": real_stack.url}
    new = f"kc-share-a-{team}-new"
    folder = _repo(
        tmp_path,
        f"kc-share-a-{team}-*",
        {owned[0]: _manifest(real_stack, owned[0]), new: _manifest(real_stack, new)},
    )

    # Deleting 3 of 4 owned connectors passes the 25 % limit: refused, then forced.
    marks = real_stack.log_marks()
    result = cli("apply", str(folder), "--prune", "--yes", env=env)
    assert result.exit_code == 1
    assert "refusing an unsafe plan: it deletes 3 of the 4 owned connectors (75 %)" in (
        result.stderr
    )
    # --target writes only its target, whatever --prune would delete.
    result = cli("apply", str(folder), "--prune", "--yes", "--target", new, env=env)
    assert result.exit_code == 0, result.output
    assert _writes(real_stack, marks) == [("PUT", f"/connectors/{new}/config")]
    assert _names(real_stack, team) == sorted([*owned, new])

    # A reviewed plan goes stale when a connector it touches changes on the cluster.
    plan_file = tmp_path / "plan.json"
    result = cli("plan", str(folder), "--prune", "--out", str(plan_file), env=env)
    assert result.exit_code == 0, result.output
    r = httpx.put(
        f"{real_stack.url}/connectors/{owned[3]}/config",
        json={**_config(real_stack, owned[3]), "topic": "hand-edited"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    marks = real_stack.log_marks()
    result = cli("apply", "--plan", str(plan_file), "--prune", "--yes", "--force", env=env)
    assert result.exit_code == 1
    assert f"{owned[3]}: changed on the cluster since the plan was made" in result.stderr
    assert _writes(real_stack, marks) == []

    # A fresh plan, reviewed and applied with --force, deletes exactly what it said.
    result = cli("plan", str(folder), "--prune", "--out", str(plan_file), env=env)
    assert result.exit_code == 0, result.output
    result = cli("apply", "--plan", str(plan_file), "--prune", "--yes", "--force", env=env)
    assert result.exit_code == 0, result.output
    assert _names(real_stack, team) == sorted([owned[0], new])
