"""Renames with `moved_from:` against the fake worker: the plan, the request sequence, source
and sink offsets carried over, a run interrupted at every step converging on re-run, and the
refusal on workers older than 3.7."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FILE_SINK, FILE_SOURCE, CliRunner, write_manifest
from tests.fakeconnect import FakeConnect

SOURCE_CONFIG = {
    "connector.class": FILE_SOURCE,
    "tasks.max": "1",
    "topic": "orders",
    "file": "/tmp/orders.txt",
}
SOURCE_OFFSETS = [{"partition": {"filename": "/tmp/orders.txt"}, "offset": {"position": 120}}]
SINK_CONFIG = {
    "connector.class": FILE_SINK,
    "tasks.max": "1",
    "topics": "orders",
    "file": "/tmp/orders-out.txt",
}
SINK_OFFSETS = [
    {"partition": {"kafka_topic": "orders", "kafka_partition": 0}, "offset": {"kafka_offset": 42}},
    {"partition": {"kafka_topic": "orders", "kafka_partition": 1}, "offset": {"kafka_offset": 7}},
]


def _manifest(name: str, config: dict[str, str], moved_from: str | None, state: str = "") -> str:
    lines = [f"name: {name}"]
    if moved_from:
        lines.append(f"moved_from: {moved_from}")
    if state:
        lines.append(f"state: {state}")
    lines.append("config:")
    lines += [f'  {k}: "{v}"' for k, v in config.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def renamed(fake: FakeConnect, tmp_path: Path) -> dict[str, Any]:
    fake.add_connector("orders", SOURCE_CONFIG)
    fake.set_offsets("orders", SOURCE_OFFSETS)
    write_manifest(tmp_path, "v2.yaml", _manifest("orders-v2", SOURCE_CONFIG, "orders"))
    return {"dir": str(tmp_path), "env": {"KCONNECT_URL": fake.url}}


def _stopped(fake: FakeConnect, name: str) -> None:
    offsets = fake.connector_offsets(name)
    fake.add_connector(name, SOURCE_CONFIG, state="STOPPED")
    fake.set_offsets(name, offsets)


def _writes(fake: FakeConnect) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests if r.method != "GET"]


def _offsets(fake: FakeConnect, name: str) -> list[dict[str, Any]]:
    return fake.connector_offsets(name)


def test_plan_shows_the_rename(cli: CliRunner, fake: FakeConnect, renamed: dict[str, Any]) -> None:
    result = cli("plan", renamed["dir"], "--prune", env=renamed["env"])
    assert result.exit_code == 0, result.output
    assert "~ rename orders → orders-v2 (offsets carried over)" in result.stdout
    assert "Plan: 0 to create, 0 to update, 1 to rename, 0 to delete, 0 unchanged." in (
        result.stdout
    )
    assert "not in the manifests" not in result.stdout  # the old name is not undeclared
    doc = cli("plan", renamed["dir"], "-o", "json", env=renamed["env"]).json
    [change] = doc["data"]["changes"]
    assert (change["action"], change["name"], change["moved_from"]) == (
        "rename",
        "orders-v2",
        "orders",
    )
    assert doc["data"]["summary"]["rename"] == 1


def test_apply_carries_source_offsets_over_in_order(
    cli: CliRunner, fake: FakeConnect, renamed: dict[str, Any]
) -> None:
    fake.clear_requests()
    result = cli("apply", renamed["dir"], env=renamed["env"])
    assert result.exit_code == 0, result.output
    assert (
        "✓ orders-v2: stopped orders, created orders-v2 STOPPED, carried 1 offset(s) over, "
        "resumed, deleted orders" in result.stdout
    )
    assert "Apply: 0 created, 0 updated, 1 renamed, 0 deleted" in result.stdout
    assert _writes(fake) == [
        ("PUT", "/connectors/orders/stop"),
        ("POST", "/connectors"),
        ("PATCH", "/connectors/orders-v2/offsets"),
        ("PUT", "/connectors/orders-v2/resume"),
        ("DELETE", "/connectors/orders"),
    ]
    create = next(r for r in fake.requests if r.method == "POST")
    assert create.body["initial_state"] == "STOPPED"
    assert fake.connector_state("orders") is None
    assert fake.connector_state("orders-v2") == "RUNNING"
    assert _offsets(fake, "orders-v2") == SOURCE_OFFSETS
    again = cli("plan", renamed["dir"], "--detailed-exitcode", env=renamed["env"])
    assert again.exit_code == 0, again.output


def test_apply_carries_sink_offsets_over(cli: CliRunner, fake: FakeConnect, tmp_path: Path) -> None:
    fake.add_connector("es-out", SINK_CONFIG)
    fake.set_offsets("es-out", SINK_OFFSETS)
    write_manifest(tmp_path, "s.yaml", _manifest("es-out-v2", SINK_CONFIG, "es-out", "paused"))
    result = cli("apply", str(tmp_path), env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 0, result.output
    assert _offsets(fake, "es-out-v2") == SINK_OFFSETS
    assert fake.connector_state("es-out-v2") == "PAUSED"
    assert fake.connector_state("es-out") is None


@pytest.mark.parametrize("interrupted_after", ["stop", "create", "offsets", "resume"])
def test_a_run_interrupted_at_any_step_converges(
    cli: CliRunner, fake: FakeConnect, renamed: dict[str, Any], interrupted_after: str
) -> None:
    """The cluster as a run left it after each step; a new run finishes the rename, with
    exactly the old offsets, and never rewinds a connector that already ran."""
    _stopped(fake, "orders")
    advanced = [{"partition": {"filename": "/tmp/orders.txt"}, "offset": {"position": 300}}]
    if interrupted_after != "stop":
        fake.add_connector("orders-v2", SOURCE_CONFIG, state="STOPPED")
    if interrupted_after in ("offsets", "resume"):
        fake.set_offsets("orders-v2", SOURCE_OFFSETS)
    if interrupted_after == "resume":
        fake.add_connector("orders-v2", SOURCE_CONFIG)
        fake.set_offsets("orders-v2", advanced)  # it ran on from the carried offsets
    plan = cli("plan", renamed["dir"], env=renamed["env"])
    note = {
        "stop": "(offsets carried over)",
        "create": "(resuming: orders-v2 exists, STOPPED; offsets carried over)",
        "offsets": "(resuming: orders-v2 exists, STOPPED; offsets carried over)",
        "resume": "(resuming: orders-v2 is RUNNING and keeps its own offsets; orders is deleted)",
    }[interrupted_after]
    assert f"~ rename orders → orders-v2 {note}" in plan.stdout
    fake.clear_requests()
    result = cli("apply", renamed["dir"], env=renamed["env"])
    assert result.exit_code == 0, result.output
    assert fake.connector_state("orders") is None
    assert fake.connector_state("orders-v2") == "RUNNING"
    expected = advanced if interrupted_after == "resume" else SOURCE_OFFSETS
    assert _offsets(fake, "orders-v2") == expected
    patched = [w for w in _writes(fake) if w[0] in ("PATCH", "DELETE") and "offsets" in w[1]]
    assert bool(patched) == (interrupted_after in ("stop", "create"))


def test_stale_offsets_of_a_reused_name_are_replaced(
    cli: CliRunner, fake: FakeConnect, renamed: dict[str, Any]
) -> None:
    _stopped(fake, "orders")
    fake.add_connector("orders-v2", SOURCE_CONFIG, state="STOPPED")
    stale = [{"partition": {"filename": "/tmp/other.txt"}, "offset": {"position": 9}}]
    fake.set_offsets("orders-v2", stale)
    result = cli("apply", renamed["dir"], env=renamed["env"])
    assert result.exit_code == 0, result.output
    assert _offsets(fake, "orders-v2") == SOURCE_OFFSETS


def test_workers_older_than_3_7_are_refused_before_any_write(
    cli: CliRunner, tmp_path: Path
) -> None:
    with FakeConnect(version="3.6.2") as old:
        old.add_connector("orders", SOURCE_CONFIG)
        write_manifest(tmp_path, "v2.yaml", _manifest("orders-v2", SOURCE_CONFIG, "orders"))
        old.clear_requests()
        result = cli("apply", str(tmp_path), env={"KCONNECT_URL": old.url})
        assert result.exit_code == 1
        assert _writes(old) == []
        assert (
            "refusing to rename (orders → orders-v2): carrying offsets over needs Connect 3.7"
            in (result.output)
        )
        assert old.connector_state("orders") == "RUNNING"


def test_moved_from_a_missing_connector_creates_with_a_warning(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    write_manifest(tmp_path, "v2.yaml", _manifest("orders-v2", SOURCE_CONFIG, "ordres"))
    result = cli("plan", str(tmp_path), env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 0, result.output
    assert "+ create orders-v2" in result.stdout
    assert "    ! warning moved-from-missing: moved_from names ordres, which does not exist" in (
        result.stdout
    )


def test_moved_from_a_declared_connector_is_invalid(cli: CliRunner, tmp_path: Path) -> None:
    write_manifest(tmp_path, "v2.yaml", _manifest("orders-v2", SOURCE_CONFIG, "orders"))
    write_manifest(tmp_path, "v1.yaml", _manifest("orders", SOURCE_CONFIG, None))
    result = cli("validate", str(tmp_path))
    assert result.exit_code == 1
    assert "moved_from 'orders' is still declared by a manifest" in result.stdout
    write_manifest(tmp_path, "v1.yaml", _manifest("orders-v3", SOURCE_CONFIG, "orders"))
    result = cli("validate", str(tmp_path))
    assert "moved_from 'orders' is also claimed by" in result.stdout
    write_manifest(tmp_path, "v1.yaml", _manifest("orders-v4", SOURCE_CONFIG, "orders-v4"))
    assert "moved_from names the connector itself" in cli("validate", str(tmp_path)).stdout


def test_status_lagging_behind_the_create_is_waited_for(
    cli: CliRunner, fake: FakeConnect, renamed: dict[str, Any]
) -> None:
    """A real worker answers 404 "No status found" for a connector it just created."""
    fake.inject(
        method="GET",
        path="/connectors/orders-v2/status",
        status=404,
        message="No status found for connector orders-v2",
        times=3,
    )
    result = cli("apply", renamed["dir"], env=renamed["env"])
    assert result.exit_code == 0, result.output
    assert _offsets(fake, "orders-v2") == SOURCE_OFFSETS
    assert fake.connector_state("orders") is None


def test_moved_from_outside_the_scope_is_invalid(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("orders", SOURCE_CONFIG)
    (tmp_path / "kconnect.yaml").write_text('owns: ["team-a-*"]\n')
    write_manifest(tmp_path, "v2.yaml", _manifest("team-a-orders", SOURCE_CONFIG, "orders"))
    fake.clear_requests()
    result = cli("apply", str(tmp_path), env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 1
    assert "team-a-orders: moved_from 'orders' is outside the ownership scope" in result.output
    assert _writes(fake) == []
    assert fake.connector_state("orders") == "RUNNING"


def test_a_reviewed_plan_with_a_rename_applies_and_goes_stale_when_the_old_one_changes(
    cli: CliRunner, fake: FakeConnect, renamed: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    assert cli("plan", renamed["dir"], "--out", str(out), env=renamed["env"]).exit_code == 0
    fake.add_connector("orders", {**SOURCE_CONFIG, "topic": "changed"})
    fake.set_offsets("orders", SOURCE_OFFSETS)
    stale = cli("apply", "--plan", str(out), env=renamed["env"])
    assert stale.exit_code == 1
    assert "orders-v2: changed on the cluster since the plan was made" in stale.output
    fake.add_connector("orders", SOURCE_CONFIG)
    fake.set_offsets("orders", SOURCE_OFFSETS)
    assert cli("plan", renamed["dir"], "--out", str(out), env=renamed["env"]).exit_code == 0
    result = cli("apply", "--plan", str(out), env=renamed["env"])
    assert result.exit_code == 0, result.output
    assert _offsets(fake, "orders-v2") == SOURCE_OFFSETS


def test_a_rename_to_another_class_is_a_danger(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("orders", SOURCE_CONFIG)
    write_manifest(tmp_path, "s.yaml", _manifest("orders-out", SINK_CONFIG, "orders"))
    result = cli("apply", str(tmp_path), env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 1
    assert "orders-out: connector-class-changed" in result.output
    assert fake.connector_state("orders") == "RUNNING"
