"""Sharing a cluster: ownership scopes, safe-plan limits, --target and reviewed plans, against
the fake worker. Each test asserts what a user sees (exit code, message) and which requests
reached the worker; the same two-team story runs on the real worker in
tests/integration/test_sharing_real.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import (
    CliRunner,
    env_of,
    file_source,
    file_source_config,
    repository,
    write_manifest,
)
from tests.fakeconnect import FakeConnect, RecordedRequest


def _touched(writes: list[RecordedRequest]) -> set[str]:
    """Connector names the write requests addressed (`/connectors/{name}/...` or a POST body)."""
    names = set()
    for r in writes:
        parts = r.path.strip("/").split("/")
        if len(parts) >= 2 and parts[0] == "connectors":
            names.add(parts[1])
        elif r.method == "POST" and isinstance(r.body, dict):
            names.add(str(r.body.get("name")))
    return names


def _repo(tmp_path: Path, owns: str | None, manifests: dict[str, str], extra: str = "") -> Path:
    """A repository with connectors.d/ and a kconnect.yaml of `owns` and `extra` (if any)."""
    project = (f"owns: {owns}\n" if owns is not None else "") + extra
    return repository(tmp_path, manifests, project or None)


@pytest.fixture
def shared(fake: FakeConnect) -> FakeConnect:
    """One worker shared by team A, team B and a connector made by hand during an incident."""
    for name in ("team-a-orders", "team-a-old", "team-b-users", "team-b-events", "debug-tap"):
        fake.add_connector(name, file_source_config(name))
    fake.clear_requests()
    return fake


def _team_a(tmp_path: Path) -> Path:
    return _repo(
        tmp_path,
        '["team-a-*"]',
        {
            "team-a-orders": file_source("team-a-orders", topic="orders-v2"),
            "team-a-new": file_source("team-a-new"),
        },
    )


# -- ownership scope -------------------------------------------------------------------------


def test_apply_prune_touches_only_the_owned_connectors(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _team_a(tmp_path)
    result = cli("apply", str(folder), "--prune", "--yes", env=env_of(shared))
    assert result.exit_code == 0, result.output
    assert _touched(shared.writes()) == {"team-a-orders", "team-a-new", "team-a-old"}
    assert sorted(shared.connector_names()) == [
        "debug-tap",
        "team-a-new",
        "team-a-orders",
        "team-b-events",
        "team-b-users",
    ]
    assert "3 connectors not owned by this scope were left alone." in result.stdout
    assert f"Ownership scope: team-a-* (from {folder.parent / 'kconnect.yaml'})." in result.stdout


def test_reconcile_prune_once_with_auto_restart_never_touches_other_scopes(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _team_a(tmp_path)
    shared.fail_task("team-b-users")
    shared.fail_connector("debug-tap")
    shared.clear_requests()
    result = cli(
        "reconcile", str(folder), "--prune", "--once", "--auto-restart", "--timeout", "5",
        env=env_of(shared),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _touched(shared.writes()) == {"team-a-orders", "team-a-new", "team-a-old"}
    assert shared.task_states("team-b-users") == ["FAILED"]
    assert shared.connector_state("debug-tap") == "FAILED"
    assert (
        "ownership scope: team-a-*; 3 connector(s) not owned by this scope are left alone"
        in result.stdout
    )


def test_a_manifest_outside_the_scope_fails_validate_at_its_name(
    cli: CliRunner, tmp_path: Path
) -> None:
    folder = _repo(tmp_path, '["team-a-*"]', {"typo": file_source("tema-a-orders")})
    result = cli("validate", str(folder))
    assert result.exit_code == 1
    assert (
        f"{folder / 'typo.yaml'}:1: error: connector 'tema-a-orders' is outside the ownership "
        "scope (team-a-*) [scope/not-owned]"
    ) in result.stdout


def test_plan_refuses_a_manifest_outside_the_scope_before_reading_the_cluster(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    folder = _repo(tmp_path, None, {"x": file_source("orders")})
    result = cli("apply", str(folder), "--owns", "team-a-*", "--yes", env=env_of(fake))
    assert result.exit_code == 1
    assert "scope/not-owned" in result.output
    assert fake.requests == []


def test_without_a_scope_prune_says_it_deletes_every_undeclared_connector(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _repo(tmp_path, None, {"a": file_source("team-a-orders")})
    result = cli("plan", str(folder), "--prune", env=env_of(shared))
    assert result.exit_code == 0, result.output
    assert "no ownership scope: every undeclared connector will be deleted" in result.stdout
    assert "Plan: 0 to create, 0 to update, 4 to delete, 1 unchanged." in result.stdout


def test_json_and_markdown_carry_the_scope_and_the_not_owned_count(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _team_a(tmp_path)
    doc = cli("plan", str(folder), "--prune", "-o", "json", env=env_of(shared)).json
    assert doc["data"]["scope"] == {
        "owns": ["team-a-*"],
        "source": str(folder.parent / "kconnect.yaml"),
        "not_owned": 3,
        "owned_on_cluster": 2,
    }
    markdown = cli("plan", str(folder), "--prune", "-o", "markdown", env=env_of(shared)).stdout
    assert r"- Ownership scope: team-a-\* (from " in markdown
    assert "- 3 connectors not owned by this scope were left alone." in markdown


def test_owns_flag_overrides_the_project_file(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _repo(tmp_path, '["team-a-*"]', {"b": file_source("team-b-users")})
    result = cli("plan", str(folder), "--prune", "--owns", "team-b-*", env=env_of(shared))
    assert result.exit_code == 0, result.output
    assert "- delete team-b-events" in result.stdout
    assert "Ownership scope: team-b-* (from --owns)." in result.stdout
    assert "Plan: 0 to create, 0 to update, 1 to delete, 1 unchanged." in result.stdout


def test_overlapping_patterns_in_one_scope_count_once(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _repo(
        tmp_path, '["team-a-*", "team-a-orders", "team-a-*"]', {"a": file_source("team-a-orders")}
    )
    doc = cli("plan", str(folder), "--prune", "-o", "json", env=env_of(shared)).json
    assert doc["data"]["scope"]["owns"] == ["team-a-*", "team-a-orders"]
    assert [c["name"] for c in doc["data"]["changes"]] == ["team-a-old"]


def test_overlapping_scopes_of_two_teams_are_caught_by_the_safe_plan_limit(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    """Team A claims `team-*`, which overlaps team B: its prune would delete B's connectors;
    the limit refuses it before any write."""
    folder = _repo(tmp_path, '["team-*"]', {"a": file_source("team-a-orders")})
    result = cli("apply", str(folder), "--prune", "--yes", env=env_of(shared))
    assert result.exit_code == 1
    assert "refusing an unsafe plan: it deletes 3 of the 4 owned connectors (75 %)" in result.output
    assert shared.writes() == []


def test_a_star_scope_owns_everything_and_says_so(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _repo(tmp_path, '["*"]', {"a": file_source("team-a-orders")})
    result = cli("plan", str(folder), "--prune", env=env_of(shared))
    assert result.exit_code == 0
    assert "Ownership scope: * (from" in result.stdout
    assert "not owned" not in result.stdout
    assert "no ownership scope" not in result.stdout
    assert "Unsafe plan: it deletes 4 of the 5 owned connectors (80 %)" in result.stdout


@pytest.mark.parametrize(
    ("owns", "message"),
    [
        ('["team-a/*"]', "contains '/': patterns match connector names, not manifest paths"),
        ('[""]', "owns pattern must not be empty"),
        ('"team-a-*"', "owns must be a list of connector name patterns"),
        ("[]", "owns must list at least one pattern"),
        ("[1]", "each owns entry must be a string pattern"),
    ],
)
def test_project_file_is_checked_strictly(
    cli: CliRunner, tmp_path: Path, owns: str, message: str
) -> None:
    folder = _repo(tmp_path, owns, {"a": file_source("team-a-x")})
    result = cli("validate", str(folder))
    assert result.exit_code == 1
    assert f"error: {folder.parent / 'kconnect.yaml'}:1: " in result.stderr
    assert message in result.stderr


def test_project_file_unknown_keys_and_bad_limits_name_their_line(
    cli: CliRunner, tmp_path: Path
) -> None:
    folder = _repo(tmp_path, None, {"a": file_source("x")}, 'owns: ["x"]\nown: ["y"]\n')
    result = cli("validate", str(folder))
    assert result.exit_code == 1
    assert f"{folder.parent / 'kconnect.yaml'}:2: unknown key 'own' in kconnect.yaml" in (
        result.stderr
    )
    (folder.parent / "kconnect.yaml").write_text("limits:\n  max_deletes: ten\n")
    result = cli("validate", str(folder))
    assert result.exit_code == 1
    assert "kconnect.yaml:2: max_deletes must be a whole number" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--owns", ""], "--owns must not be empty"),
        (["--owns", "team-a/*"], "--owns 'team-a/*' contains '/'"),
        (["--target", ""], "--target must not be empty"),
    ],
)
def test_bad_patterns_on_the_command_line_are_usage_errors(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, args: list[str], message: str
) -> None:
    folder = _repo(tmp_path, None, {"a": file_source("team-a-x")})
    result = cli("plan", str(folder), *args, env=env_of(fake))
    assert result.exit_code == 64
    assert message in result.stderr
    assert fake.requests == []


def test_project_file_is_found_in_a_parent_but_not_above_the_repository_root(
    cli: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "kconnect.yaml").write_text('owns: ["nobody-*"]\n')
    folder = _repo(tmp_path, None, {"deep/a": file_source("team-a-x")})
    assert cli("validate", str(folder)).exit_code == 0  # the file above .git is not ours
    (folder.parent / "kconnect.yaml").write_text('owns: ["team-b-*"]\n')
    result = cli("validate", str(folder / "deep" / "a.yaml"))
    assert result.exit_code == 1
    assert "scope/not-owned" in result.stdout


# -- safe-plan limits ------------------------------------------------------------------------


def _owned_cluster(fake: FakeConnect, count: int) -> None:
    for i in range(count):
        fake.add_connector(f"team-a-{i}", file_source_config(f"team-a-{i}"))
    fake.clear_requests()


def test_an_unsafe_plan_is_refused_with_zero_writes_and_goes_through_with_force(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    _owned_cluster(fake, 5)
    folder = _repo(
        tmp_path, '["team-a-*"]', {f"a{i}": file_source(f"team-a-{i}") for i in range(3)}
    )
    result = cli("apply", str(folder), "--prune", "--yes", env=env_of(fake))
    assert result.exit_code == 1
    assert (
        "error: refusing an unsafe plan: it deletes 2 of the 5 owned connectors (40 %), more "
        "than the limit of 25 % (max_delete_percent); nothing was written. Check the manifests "
        "and the scope, then re-run with --force to apply it anyway"
    ) in result.stderr
    assert fake.writes() == []
    result = cli("apply", str(folder), "--prune", "--yes", "--force", env=env_of(fake))
    assert result.exit_code == 0, result.output
    assert sorted((r.method, r.path) for r in fake.writes()) == [
        ("DELETE", "/connectors/team-a-3"),
        ("DELETE", "/connectors/team-a-4"),
    ]


def test_more_than_ten_deletes_is_unsafe_whatever_the_share(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    _owned_cluster(fake, 11)
    folder = _repo(tmp_path, '["team-a-*"]', {"x": file_source("team-a-x")})
    result = cli("apply", str(folder), "--prune", "--yes", "--max-delete-percent", "100",
                 env=env_of(fake))  # fmt: skip
    assert result.exit_code == 1
    assert "it deletes 11 connectors, more than the limit of 10 (max_deletes)" in result.stderr
    assert fake.writes() == []


def test_limits_come_from_the_project_file_and_flags_override_them(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    _owned_cluster(fake, 4)
    folder = _repo(
        tmp_path,
        '["team-a-*"]',
        {"a0": file_source("team-a-0"), "a1": file_source("team-a-1")},
        "limits:\n  max_delete_percent: 50\n",
    )
    doc = cli("plan", str(folder), "--prune", "-o", "json", env=env_of(fake)).json
    assert doc["data"]["safety"] == {
        "limits": {"max_delete_percent": 50.0, "min_existing": 4, "max_deletes": 10},
        "unsafe": None,
        "dangers": [],
    }
    result = cli("apply", str(folder), "--prune", "--yes", "--max-deletes", "1", env=env_of(fake))
    assert result.exit_code == 1
    assert "more than the limit of 1 (max_deletes)" in result.stderr
    assert fake.writes() == []
    assert cli("apply", str(folder), "--prune", "--yes", env=env_of(fake)).exit_code == 0
    assert sorted(fake.connector_names()) == ["team-a-0", "team-a-1"]


def test_small_clusters_are_not_held_to_the_percentage(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    _owned_cluster(fake, 3)
    folder = _repo(tmp_path, '["team-a-*"]', {"a0": file_source("team-a-0")})
    result = cli("apply", str(folder), "--prune", "--yes", env=env_of(fake))
    assert result.exit_code == 0, result.output
    assert fake.connector_names() == ["team-a-0"]


def test_reconcile_never_applies_an_unsafe_plan(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    _owned_cluster(fake, 5)
    folder = _repo(tmp_path, '["team-a-*"]', {"n": file_source("team-a-new")})
    result = cli("reconcile", str(folder), "--prune", "--once", "-o", "json", env=env_of(fake))
    assert result.exit_code == 1
    events = [json.loads(line) for line in result.stdout.splitlines()]
    [unsafe] = [e for e in events if e["event"] == "unsafe"]
    assert unsafe["level"] == "error"
    assert unsafe["message"].startswith(
        "refusing an unsafe plan: it deletes 5 of the 5 owned connectors (100 %)"
    )
    assert events[-1]["result"] == "unsafe"
    assert fake.writes() == []


def test_reconcile_counts_unsafe_plans_in_a_metric_and_keeps_running(
    fake: FakeConnect, tmp_path: Path
) -> None:
    import io

    from kconnect.api.client import ConnectClient
    from kconnect.config.settings import ClientSettings
    from kconnect.reconcile.cycle import CycleStatus
    from kconnect.reconcile.events import EventLog
    from kconnect.reconcile.loop import ReconcileOptions, Reconciler
    from kconnect.reconcile.metrics import ReconcileMetrics, parse_text

    _owned_cluster(fake, 5)
    folder = _repo(tmp_path, '["team-a-*"]', {"n": file_source("team-a-0")})
    metrics = ReconcileMetrics()
    with ConnectClient(ClientSettings(url=fake.url)) as client:
        reconciler = Reconciler(
            client,
            ReconcileOptions(paths=(str(folder),), prune=True),
            env=dict,
            events=EventLog(stream=io.StringIO()),
            metrics=metrics,
        )
        first = reconciler.run_cycle()
        second = reconciler.run_cycle()
    assert (first.status, second.status) == (CycleStatus.UNSAFE, CycleStatus.UNSAFE)
    assert reconciler.next_delay(second) == pytest.approx(30.0, abs=1.0)  # no error backoff
    samples = parse_text(metrics.render())
    assert samples["kconnect_reconcile_unsafe_plans_total"] == 2
    assert samples['kconnect_reconcile_cycles_total{result="unsafe"}'] == 2
    assert fake.writes() == []


# -- --target --------------------------------------------------------------------------------


def test_target_writes_only_its_targets_even_with_prune(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _team_a(tmp_path)
    result = cli(
        "apply", str(folder), "--prune", "--yes", "--target", "team-a-new", env=env_of(shared)
    )
    assert result.exit_code == 0, result.output
    assert _touched(shared.writes()) == {"team-a-new"}
    assert "Targets: team-a-new; 2 other connectors left alone." in result.stdout
    assert shared.connector_config("team-a-orders")["topic"] == "t"  # type: ignore[index]


def test_target_glob_may_name_an_owned_connector_to_prune(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _team_a(tmp_path)
    result = cli("apply", str(folder), "--prune", "--yes", "--target", "*-old", env=env_of(shared))
    assert result.exit_code == 0, result.output
    assert [(r.method, r.path) for r in shared.writes()] == [("DELETE", "/connectors/team-a-old")]


def test_a_target_that_matches_nothing_is_an_error_with_zero_writes(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _team_a(tmp_path)
    result = cli(
        "apply", str(folder), "--yes", "--target", "team-a-new", "--target", "team-a-nwe",
        env=env_of(shared),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "error: --target 'team-a-nwe' matches no manifest; nothing was written" in (
        result.stderr
    )
    assert shared.writes() == []


def test_a_target_outside_the_scope_is_refused(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _team_a(tmp_path)
    result = cli(
        "apply", str(folder), "--prune", "--yes", "--target", "team-b-*", env=env_of(shared)
    )
    assert result.exit_code == 1
    assert (
        "--target 'team-b-*' matches only connectors not owned by this scope "
        "(team-b-events, team-b-users); they are never written"
    ) in result.stderr
    assert shared.writes() == []


# -- reviewed plans --------------------------------------------------------------------------

CANARY = "Canary-Secret-7f3a9"


def _secret_source(name: str, password: str) -> str:
    return file_source(name, extra=f"  sasl.jaas.config: {password}\n")


def _reviewed(tmp_path: Path, password: str = CANARY) -> Path:
    return _repo(
        tmp_path,
        '["team-a-*"]',
        {
            "team-a-orders": _secret_source("team-a-orders", password),
            "team-a-new": file_source("team-a-new"),
        },
    )


def test_a_reviewed_plan_is_applied_exactly(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _reviewed(tmp_path)
    plan_file = tmp_path / "plan.json"
    result = cli("plan", str(folder), "--prune", "--out", str(plan_file), env=env_of(shared))
    assert result.exit_code == 0, result.output
    assert shared.writes() == []
    text = plan_file.read_text()
    assert CANARY not in text
    doc = json.loads(text)
    [orders] = [c for c in doc["changes"] if c["name"] == "team-a-orders"]
    [secret_key] = [k for k in orders["keys"] if k["key"] == "sasl.jaas.config"]
    assert secret_key["secret"] is True
    assert secret_key["after_digest"].startswith("pbkdf2-sha256:")
    assert "after" not in secret_key
    assert doc["options"] == {
        "cluster": shared.url,
        "prune": True,
        "owns": ["team-a-*"],
        "targets": [],
    }

    result = cli("apply", "--plan", str(plan_file), "--prune", "--yes", env=env_of(shared))
    assert result.exit_code == 0, result.output
    assert _touched(shared.writes()) == {"team-a-orders", "team-a-new", "team-a-old"}
    assert shared.connector_config("team-a-orders")["sasl.jaas.config"] == CANARY  # type: ignore[index]
    assert CANARY not in result.output


def _saved(cli: CliRunner, fake: FakeConnect, folder: Path, tmp_path: Path) -> Path:
    plan_file = tmp_path / "plan.json"
    result = cli("plan", str(folder), "--out", str(plan_file), env=env_of(fake))
    assert result.exit_code == 0, result.output
    fake.clear_requests()
    return plan_file


def test_a_stale_plan_is_refused_with_zero_writes(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _reviewed(tmp_path)
    plan_file = _saved(cli, shared, folder, tmp_path)
    # Someone edits the connector by hand after the review.
    shared.add_connector("team-a-orders", file_source_config("team-a-orders", topic="hotfix"))
    shared.clear_requests()
    result = cli("apply", "--plan", str(plan_file), "--yes", env=env_of(shared))
    assert result.exit_code == 1
    assert (
        "the saved plan is stale, nothing was written: team-a-orders: changed on the cluster "
        "since the plan was made"
    ) in result.stderr
    assert shared.writes() == []


def test_a_plan_whose_manifests_changed_is_refused(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _reviewed(tmp_path)
    plan_file = _saved(cli, shared, folder, tmp_path)
    write_manifest(folder, "team-a-orders.yaml", _secret_source("team-a-orders", "other-secret"))
    write_manifest(folder, "team-a-late.yaml", file_source("team-a-late"))
    result = cli("apply", "--plan", str(plan_file), "--yes", env=env_of(shared))
    assert result.exit_code == 1
    assert "team-a-late: would now be created, which the saved plan does not include" in (
        result.stderr
    )
    assert "team-a-orders: the manifests no longer produce the same change" in result.stderr
    assert "other-secret" not in result.output
    assert shared.writes() == []


def test_a_new_drift_on_an_unchanged_connector_makes_the_plan_stale(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("team-a-x", file_source_config("team-a-x"))
    folder = _repo(
        tmp_path,
        '["team-a-*"]',
        {"x": file_source("team-a-x", topic="t"), "y": file_source("team-a-y")},
    )
    plan_file = _saved(cli, fake, folder, tmp_path)
    fake.add_connector("team-a-x", file_source_config("team-a-x", topic="drifted"))
    result = cli("apply", "--plan", str(plan_file), "--yes", env=env_of(fake))
    assert result.exit_code == 1
    assert "team-a-x: would now be updated" in result.stderr
    assert fake.writes() == []


def test_a_hand_edited_plan_is_refused(cli: CliRunner, shared: FakeConnect, tmp_path: Path) -> None:
    folder = _reviewed(tmp_path)
    plan_file = _saved(cli, shared, folder, tmp_path)
    doc = json.loads(plan_file.read_text())
    doc["changes"].append({**doc["changes"][0], "name": "team-b-users", "action": "delete"})
    plan_file.write_text(json.dumps(doc))
    result = cli("apply", "--plan", str(plan_file), "--yes", env=env_of(shared))
    assert result.exit_code == 1
    assert "the plan file was changed after kconnect wrote it (checksum mismatch)" in (
        result.stderr
    )
    assert shared.requests == []


def test_a_forged_plan_with_a_valid_checksum_still_writes_only_what_the_manifests_say(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    from kconnect.planning.saved import _checksum

    folder = _reviewed(tmp_path)
    plan_file = _saved(cli, shared, folder, tmp_path)
    doc = json.loads(plan_file.read_text())
    doc["changes"].append(
        {"name": "team-b-users", "action": "delete", "keys": [], "live": None, "desired": None}
    )
    doc["options"]["owns"] = ["*"]
    doc["checksum"] = _checksum(doc)
    plan_file.write_text(json.dumps(doc))
    result = cli("apply", "--plan", str(plan_file), "--yes", env=env_of(shared))
    assert result.exit_code == 1
    assert "the plan was made for the ownership scope (*), but here it is (team-a-*)" in (
        result.stderr
    )
    doc["options"]["owns"] = ["team-a-*"]
    doc["checksum"] = _checksum(doc)
    plan_file.write_text(json.dumps(doc))
    result = cli("apply", "--plan", str(plan_file), "--yes", env=env_of(shared))
    assert result.exit_code == 1
    assert "team-b-users: the saved plan would delete it, but it no longer needs a change" in (
        result.stderr
    )
    assert shared.writes() == []


def test_a_plan_from_another_cluster_is_refused(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _reviewed(tmp_path)
    plan_file = _saved(cli, shared, folder, tmp_path)
    with FakeConnect() as other:
        result = cli("apply", "--plan", str(plan_file), "--yes", env=env_of(other))
        assert result.exit_code == 1
        assert f"the plan was made for the cluster at {shared.url}, not {other.url}" in (
            result.stderr
        )
        assert other.writes() == []


def test_a_pruning_plan_needs_prune_on_apply(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _reviewed(tmp_path)
    plan_file = tmp_path / "plan.json"
    assert (
        cli("plan", str(folder), "--prune", "--out", str(plan_file), env=env_of(shared)).exit_code
        == 0
    )
    result = cli("apply", "--plan", str(plan_file), "--yes", env=env_of(shared))
    assert result.exit_code == 1
    assert "the plan was made with --prune: pass --prune to apply it" in result.stderr
    assert shared.writes() == []


def test_a_targeted_plan_keeps_its_targets(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path
) -> None:
    folder = _reviewed(tmp_path)
    plan_file = tmp_path / "plan.json"
    result = cli(
        "plan", str(folder), "--target", "team-a-new", "--out", str(plan_file), env=env_of(shared)
    )
    assert result.exit_code == 0, result.output
    result = cli("apply", "--plan", str(plan_file), "--yes", env=env_of(shared))
    assert result.exit_code == 0, result.output
    assert _touched(shared.writes()) == {"team-a-new"}
    result = cli("apply", "--plan", str(plan_file), "--target", "x", env=env_of(shared))
    assert result.exit_code == 64


def test_a_plan_file_that_is_not_one_is_refused(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text("{not json")
    result = cli("apply", "--plan", str(bad), "--yes", env=env_of(fake))
    assert result.exit_code == 1
    assert f"{bad}:1: not a kconnect plan file" in result.stderr
    bad.write_text('{"kconnect_result_version": 1}')
    result = cli("apply", "--plan", str(bad), "--yes", env=env_of(fake))
    assert result.exit_code == 1
    assert "not a kconnect plan file (written by `kconnect plan --out`)" in result.stderr
    assert fake.requests == []


def test_the_documented_project_file_is_valid_and_shows_the_defaults(tmp_path: Path) -> None:
    from kconnect.planning.project import load_project_file
    from kconnect.planning.safety import SafetyLimits

    readme = (Path(__file__).resolve().parent.parent / "docs" / "sharing.md").read_text(
        encoding="utf-8"
    )
    block = readme.split("# kconnect.yaml, next to connectors.d/", 1)[1].split("```", 1)[0]
    path = tmp_path / "kconnect.yaml"
    path.write_text(block.split("\n", 1)[1], encoding="utf-8")
    project = load_project_file(path)
    assert project.scope.patterns == ("team-a-*", "orders-cdc")
    assert project.limits == SafetyLimits()


def test_a_password_inside_a_url_never_reaches_the_plan_file(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    url = "jdbc:mysql://app:Url-Canary-55x@db:3306/app"
    folder = _repo(
        tmp_path, '["team-a-*"]', {"a": file_source("team-a-x", extra=f"  connection.url: {url}\n")}
    )
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(folder), "--out", str(plan_file), env=env_of(fake)).exit_code == 0
    text = plan_file.read_text()
    assert "Url-Canary-55x" not in text
    [entry] = [k for k in json.loads(text)["changes"][0]["keys"] if k["key"] == "connection.url"]
    assert entry["secret"] is True
    result = cli("apply", "--plan", str(plan_file), "--yes", env=env_of(fake))
    assert result.exit_code == 0, result.output
    assert fake.connector_config("team-a-x")["connection.url"] == url  # type: ignore[index]


def test_a_refused_unsafe_plan_in_json_names_the_limit(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    _owned_cluster(fake, 4)
    folder = _repo(tmp_path, '["team-a-*"]', {"a": file_source("team-a-0")})
    result = cli("apply", str(folder), "--prune", "--yes", "-o", "json", env=env_of(fake))
    assert result.exit_code == 1
    [error] = result.json["errors"]
    assert error["type"] == "UnsafePlanError"
    assert error["unsafe"] == {
        "deletes": 3,
        "owned": 4,
        "limit": "max_delete_percent",
        "message": "it deletes 3 of the 4 owned connectors (75 %), more than the limit of "
        "25 % (max_delete_percent)",
    }
    assert fake.writes() == []


@pytest.mark.parametrize(
    ("deletes", "owned", "limit"),
    [
        (1, 4, None),  # exactly 25 % is within the limit
        (2, 4, "max_delete_percent"),
        (3, 3, None),  # fewer than 4 owned: the share does not count
        (10, 40, None),
        (10, 100, None),  # exactly 10 is within the limit
        (11, 100, "max_deletes"),
        (0, 0, None),
    ],
)
def test_safe_plan_limit_boundaries(deletes: int, owned: int, limit: str | None) -> None:
    from kconnect.planning.safety import SafetyLimits, check_safety

    unsafe = check_safety(deletes, owned, SafetyLimits())
    assert (unsafe.limit if unsafe else None) == limit


# -- a project file that cannot be read (issue 23) ------------------------------------------


def _broken_project_file(repo: Path, kind: str) -> None:
    project_file = repo / "kconnect.yaml"
    if kind == "directory":
        project_file.mkdir()  # a ConfigMap mount gone wrong
    elif kind == "dangling symlink":
        project_file.symlink_to(repo / "gone" / "kconnect.yaml")  # git-sync swapped it away
    elif kind == "symlink loop":
        project_file.symlink_to(project_file)
    elif kind == "fifo":
        import os

        os.mkfifo(project_file)


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("directory", "it is a directory"),
        ("dangling symlink", "(a dangling symlink)"),
        ("symlink loop", "(Too many levels of symbolic links)"),
        ("fifo", "it is not a regular file"),
    ],
)
def test_a_project_file_that_cannot_be_read_stops_a_prune_with_zero_writes(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path, kind: str, why: str
) -> None:
    folder = _repo(tmp_path, None, {"a": file_source("team-a-orders")})
    _broken_project_file(folder.parent, kind)
    result = cli("apply", str(folder), "--prune", "--yes", env=env_of(shared))
    assert result.exit_code == 1
    assert f"error: {folder.parent / 'kconnect.yaml'}: cannot read the project file" in (
        result.stderr
    )
    assert why in result.stderr
    assert "nothing is planned or written without it" in result.stderr
    assert shared.writes() == []
    assert shared.requests == []  # refused before the cluster is read
    assert {"debug-tap", "team-b-users"} <= set(shared.connector_names())


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            'owns: !!python/object/apply:os.system ["true"]\n',
            1,
            "YAML tag !!python/object/apply:os.system is not allowed in kconnect.yaml",
        ),
        ('owns: ["team-a-*"]\nlimits:\n  max_deletes: !!binary MTA=\n', 3, "YAML tag !!binary"),
        ('owns: [!custom "team-a-*"]\n', 1, "YAML tag !custom is not allowed"),
        ('owns: ["team-[a-*"]\n', 1, "owns pattern 'team-[a-*' has an unclosed '[' at column 6"),
        ('owns:\n  - "team-a-*"\n  - "[!]"\n', 3, "owns pattern '[!]' has an unclosed '['"),
        (
            'owns: &mine ["team-a-*"]\nlimits: *mine\n',
            2,
            "YAML aliases ('*mine') are not allowed in kconnect.yaml",
        ),
        (
            '# team A\n\nowns: ["team-a-*"\nlimits: {}\n',
            4,
            "invalid YAML: expected ',' or ']', but got '<scalar>' (while parsing a flow "
            "sequence at line 3)",
        ),
        ("owns:\n\t- team-a-*\n", 2, "(YAML indents with spaces; this line holds a tab)"),
        ('owns: ["team-a-*"]\n---\nowns: ["*"]\n', 2, "but found another document"),
        ('owns: ["team-a-*"]\n# caf\xe9\n', 2, "not valid UTF-8: byte 0xE9"),
        ('owns: ["team-a-*"]\nlimits:\n  max_deletes: "\x07"\n', 3, "character U+0007"),
    ],
)
def test_project_file_errors_name_its_own_file_and_line(
    cli: CliRunner, shared: FakeConnect, tmp_path: Path, text: str, line: int, message: str
) -> None:
    folder = _repo(tmp_path, None, {"a": file_source("team-a-orders")})
    (folder.parent / "kconnect.yaml").write_bytes(text.encode("latin-1"))
    result = cli("apply", str(folder), "--prune", "--yes", env=env_of(shared))
    assert result.exit_code == 1
    assert f"error: {folder.parent / 'kconnect.yaml'}:{line}: " in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert shared.requests == []


@pytest.mark.parametrize("pattern", ["team-[a]-*", "[[]x", "team-[!]]", "[]]", "x[!a-c]"])
def test_closed_character_sets_are_valid_patterns(pattern: str) -> None:
    from kconnect.planning.scope import check_pattern

    assert check_pattern(pattern, "owns pattern") == pattern


def test_an_unclosed_bracket_in_owns_or_target_on_the_command_line_is_a_usage_error(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    folder = _repo(tmp_path, None, {"a": file_source("team-a-x")})
    for flag in ("--owns", "--target"):
        result = cli("plan", str(folder), flag, "team-[a", env=env_of(fake))
        assert result.exit_code == 64
        assert f"{flag} 'team-[a' has an unclosed '[' at column 6" in result.stderr
    assert fake.requests == []
