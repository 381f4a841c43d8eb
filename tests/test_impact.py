"""Change impact: what a plan says a change does to the data, and the consent a danger needs.

The pure assessment first (one test per rule), then the CLI against the fake worker: impacts
in text, Markdown, JSON and plan files; `apply`/`reconcile` refusing an unacknowledged danger
before any write; `acknowledge:` in a manifest and in kconnect.yaml; `--force`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kconnect.manifests.model import Manifest
from kconnect.planning.impact import IMPACT_RULES, PlannedChange, assess, offsets_wanted
from kconnect.planning.plan import build_plan
from tests.conftest import ES, FILE_SOURCE, MARIADB, CliRunner, file_source, write_manifest
from tests.fakeconnect import FakeConnect


def _source(**overrides: str) -> dict[str, str]:
    config = {
        "connector.class": MARIADB,
        "tasks.max": "1",
        "database.hostname": "db",
        "database.port": "3306",
        "database.user": "debezium",
        "database.password": "${env:DB_PASSWORD}",
        "database.server.id": "5401",
        "topic.prefix": "shop",
        "database.include.list": "shop",
        "table.include.list": "shop.orders",
        "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
        "schema.history.internal.kafka.topic": "schema-changes.shop",
    }
    config.update(overrides)
    return config


def _ids(
    before: dict[str, str],
    after: dict[str, str],
    *,
    action: str = "update",
    live: dict[str, dict[str, str]] | None = None,
    declared: dict[str, dict[str, str]] | None = None,
    has_offsets: bool | None = None,
) -> list[str]:
    change = PlannedChange("c", action, before, after)
    offsets = {} if has_offsets is None else {"c": has_offsets}
    found = assess([change], live or {"c": before}, declared or {"c": after}, offsets)
    return [i.id for i in found["c"]]


def test_every_config_update_restarts_the_connector_info() -> None:
    change = PlannedChange("c", "update", {"a": "1"}, {"a": "2"})
    [impact] = assess([change], {}, {})["c"]
    assert (impact.id, impact.severity.value, impact.keys) == (
        "config-update-restarts",
        "info",
        ("a",),
    )
    assert "restarts the connector and its tasks" in impact.message


def test_a_state_change_alone_has_no_impact() -> None:
    assert _ids({"a": "1"}, {"a": "1"}) == []


def test_topic_prefix_change_is_a_danger_first() -> None:
    ids = _ids(_source(), _source(**{"topic.prefix": "shop2"}))
    assert ids == ["topic-prefix-changed", "config-update-restarts"]
    change = PlannedChange("c", "update", _source(), _source(**{"topic.prefix": "shop2"}))
    impact = assess([change], {}, {})["c"][0]
    assert impact.severity.value == "danger"
    assert "shop2.*" in impact.message and "snapshots every table again" in impact.message
    assert impact.keys == ("topic.prefix",)


def test_debezium_1x_server_name_counts_as_the_prefix() -> None:
    before = {**_source(), "database.server.name": "old"}
    before.pop("topic.prefix")
    after = {**before, "database.server.name": "new"}
    assert _ids(before, after)[0] == "topic-prefix-changed"


def test_schema_history_topic_change_is_a_danger() -> None:
    after = _source(**{"schema.history.internal.kafka.topic": "history2"})
    assert _ids(_source(), after)[0] == "schema-history-topic-changed"


def test_connector_class_change_is_a_danger() -> None:
    before = {"connector.class": FILE_SOURCE, "topic": "t"}
    after = {"connector.class": "com.example.OtherSource", "topic": "t"}
    assert _ids(before, after)[0] == "connector-class-changed"


def test_server_id_shared_with_another_live_connector_is_a_danger() -> None:
    other = _source(**{"topic.prefix": "other"})
    live = {"other": other}
    assert _ids({}, _source(), action="create", live=live) == ["server-id-shared"]
    # Another database server: no conflict.
    elsewhere = {**other, "database.hostname": "db2"}
    assert _ids({}, _source(), action="create", live={"other": elsewhere}) == []
    # An unchanged id is not this plan's doing.
    assert "server-id-shared" not in _ids(
        _source(), _source(**{"tasks.max": "1 "}), live={"c": _source(), **live}
    )


def test_snapshot_mode_change_on_a_connector_with_offsets() -> None:
    after = _source(**{"snapshot.mode": "initial"})
    before = _source(**{"snapshot.mode": "no_data"})
    assert "snapshot-mode-no-resnapshot" in _ids(before, after, has_offsets=True)
    assert "snapshot-mode-no-resnapshot" in _ids(before, after)  # unknown: assumed
    assert "snapshot-mode-no-resnapshot" not in _ids(before, after, has_offsets=False)
    always = _source(**{"snapshot.mode": "always"})
    assert "snapshot-mode-always" in _ids(before, always, has_offsets=True)


def test_tables_added_to_the_include_list_are_not_snapshotted() -> None:
    after = _source(**{"table.include.list": "shop.orders,shop.customers"})
    change = PlannedChange("c", "update", _source(), after)
    impacts = assess([change], {}, {}, {"c": True})["c"]
    [added] = [i for i in impacts if i.id == "table-added-no-snapshot"]
    assert "shop.customers" in added.message and "shop.orders" not in added.message
    assert "execute-snapshot signal" in added.advice
    assert "table-added-no-snapshot" not in _ids(_source(), after, has_offsets=False)


def test_offsets_are_read_only_where_an_impact_depends_on_them() -> None:
    live = {"c": _source(), "d": _source(**{"topic.prefix": "d"})}
    wanted = offsets_wanted(
        [
            ("c", _source(**{"snapshot.mode": "always"}), None),
            ("d", _source(**{"topic.prefix": "d2"}), None),
            ("n", _source(**{"table.include.list": "x"}), "c"),
        ],
        live,
    )
    assert wanted == ["c"]


def test_sink_key_ignore_toggle_changes_every_document_id() -> None:
    before = {"connector.class": ES, "topics": "t", "key.ignore": "false"}
    after = {**before, "key.ignore": "true"}
    assert _ids(before, after)[0] == "sink-key-ignore-toggled"
    # The default is false: writing it out changes nothing.
    assert "sink-key-ignore-toggled" not in _ids({"connector.class": ES}, before)


def test_a_delete_and_a_similar_create_look_like_a_rename() -> None:
    old = {"connector.class": FILE_SOURCE, "topic": "t", "file": "/f", "tasks.max": "1"}
    new = {**old, "tasks.max": "2"}
    changes = [
        PlannedChange("orders", "delete", old, {}),
        PlannedChange("orders-v2", "create", {}, new),
    ]
    found = assess(changes, {"orders": old}, {"orders-v2": new})
    [impact] = found["orders-v2"]
    assert impact.id == "looks-like-rename" and impact.severity.value == "warning"
    assert "moved_from: orders" in impact.advice
    assert [i.id for i in found["orders"]] == ["looks-like-rename"]
    # A different class, or a different config, is no rename.
    other = {"connector.class": FILE_SOURCE, "topic": "u", "file": "/g", "tasks.max": "3"}
    changes[1] = PlannedChange("orders-v2", "create", {}, other)
    assert assess(changes, {"orders": old}, {"orders-v2": other})["orders-v2"] == ()


def test_every_rule_has_a_unique_id() -> None:
    ids = [r.id for r in IMPACT_RULES]
    assert len(ids) == len(set(ids))


def test_build_plan_carries_impacts_on_each_change() -> None:
    live = {
        "c": {
            "info": {"config": _source(), "type": "source"},
            "status": {"connector": {"state": "RUNNING"}, "tasks": []},
        }
    }
    manifest = Manifest("c", _source(**{"topic.prefix": "shop2"}))
    plan = build_plan([manifest], live)
    [change] = plan.changes
    assert [i.id for i in change.dangers] == ["topic-prefix-changed"]
    assert change.to_dict()["impacts"][0] == {
        "id": "topic-prefix-changed",
        "severity": "danger",
        "message": change.impacts[0].message,
        "advice": change.impacts[0].advice,
        "keys": ["topic.prefix"],
    }


# -- the CLI against the fake worker ------------------------------------------------------------


def _manifest_text(name: str, config: dict[str, str], extra: str = "") -> str:
    lines = [f"name: {name}", extra.rstrip("\n")] if extra else [f"name: {name}"]
    lines.append("config:")
    lines += [f"  {k}: {json.dumps(v)}" for k, v in config.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def prefix_change(fake: FakeConnect, tmp_path: Path) -> dict[str, Any]:
    fake.add_connector("shop-cdc", _source())
    path = write_manifest(
        tmp_path, "shop-cdc.yaml", _manifest_text("shop-cdc", _source(**{"topic.prefix": "shop2"}))
    )
    return {"env": {"KCONNECT_URL": fake.url}, "dir": tmp_path, "path": path}


def _writes(fake: FakeConnect) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests if r.method != "GET"]


def test_plan_shows_impacts_under_the_change_and_exits_as_today(
    cli: CliRunner, fake: FakeConnect, prefix_change: dict[str, Any]
) -> None:
    result = cli("plan", str(prefix_change["dir"]), env=prefix_change["env"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = lines.index("~ update shop-cdc")
    assert lines[at + 1] == '    ~ topic.prefix: "shop" → "shop2"'
    assert lines[at + 2].startswith("    ! danger topic-prefix-changed: Debezium writes every")
    assert lines[at + 3].startswith("      instead: keep the prefix")
    assert lines[at + 4].startswith("    ! info config-update-restarts: ")
    assert (
        "Dangerous changes: shop-cdc (topic-prefix-changed); apply refuses them without --force"
        in result.stdout
    )
    detailed = cli(
        "plan", str(prefix_change["dir"]), "--detailed-exitcode", env=prefix_change["env"]
    )
    assert detailed.exit_code == 2


def test_plan_json_and_markdown_carry_impacts(
    cli: CliRunner, prefix_change: dict[str, Any]
) -> None:
    doc = cli("plan", str(prefix_change["dir"]), "-o", "json", env=prefix_change["env"]).json
    [change] = doc["data"]["changes"]
    assert [(i["id"], i["severity"], i["keys"]) for i in change["impacts"]] == [
        ("topic-prefix-changed", "danger", ["topic.prefix"]),
        ("config-update-restarts", "info", ["topic.prefix"]),
    ]
    assert doc["data"]["safety"]["dangers"] == [
        {"connector": "shop-cdc", "id": "topic-prefix-changed", "acknowledged": False}
    ]
    markdown = cli("plan", str(prefix_change["dir"]), "-o", "markdown", env=prefix_change["env"])
    assert "!     ! danger topic-prefix-changed: Debezium writes" in markdown.stdout
    assert "Dangerous changes: shop-cdc (topic-prefix-changed)" in markdown.stdout


def test_apply_refuses_an_unacknowledged_danger_before_any_write(
    cli: CliRunner, fake: FakeConnect, prefix_change: dict[str, Any]
) -> None:
    fake.clear_requests()
    result = cli("apply", str(prefix_change["dir"]), "-o", "json", env=prefix_change["env"])
    assert result.exit_code == 1
    assert _writes(fake) == []
    [error] = result.json["errors"]
    assert error["type"] == "DangerousPlanError"
    assert error["message"].startswith(
        "refusing a plan with 1 dangerous change(s): shop-cdc: topic-prefix-changed ("
    )
    assert "acknowledge: [topic-prefix-changed] in shop-cdc's" in error["message"]
    assert [d["id"] for d in error["dangers"]] == ["topic-prefix-changed"]
    assert fake.connector_config("shop-cdc")["topic.prefix"] == "shop"


def test_apply_with_force_writes_the_danger(
    cli: CliRunner, fake: FakeConnect, prefix_change: dict[str, Any]
) -> None:
    result = cli("apply", str(prefix_change["dir"]), "--force", env=prefix_change["env"])
    assert result.exit_code == 0, result.output
    assert fake.connector_config("shop-cdc")["topic.prefix"] == "shop2"


def test_acknowledge_in_the_manifest_lets_apply_write(
    cli: CliRunner, fake: FakeConnect, prefix_change: dict[str, Any]
) -> None:
    text = _manifest_text(
        "shop-cdc", _source(**{"topic.prefix": "shop2"}), "acknowledge: [topic-prefix-changed]"
    )
    prefix_change["path"].write_text(text)
    plan = cli("plan", str(prefix_change["dir"]), "-o", "json", env=prefix_change["env"]).json
    assert plan["data"]["safety"]["dangers"][0]["acknowledged"] is True
    text = cli("plan", str(prefix_change["dir"]), env=prefix_change["env"]).stdout
    assert "Acknowledged dangerous changes: shop-cdc (topic-prefix-changed)." in text
    assert "Dangerous changes:" not in text
    result = cli("apply", str(prefix_change["dir"]), env=prefix_change["env"])
    assert result.exit_code == 0, result.output
    assert fake.connector_config("shop-cdc")["topic.prefix"] == "shop2"


def test_acknowledging_another_id_is_no_consent(
    cli: CliRunner, fake: FakeConnect, prefix_change: dict[str, Any]
) -> None:
    text = _manifest_text(
        "shop-cdc", _source(**{"topic.prefix": "shop2"}), "acknowledge: [connector-class-changed]"
    )
    prefix_change["path"].write_text(text)
    result = cli("apply", str(prefix_change["dir"]), env=prefix_change["env"])
    assert result.exit_code == 1
    assert fake.connector_config("shop-cdc")["topic.prefix"] == "shop"


def test_unknown_impact_id_in_a_manifest_is_an_error(
    cli: CliRunner, prefix_change: dict[str, Any]
) -> None:
    text = _manifest_text("shop-cdc", _source(), "acknowledge: [topic-prefix-change]")
    prefix_change["path"].write_text(text)
    result = cli("validate", str(prefix_change["dir"]))
    assert result.exit_code == 1
    assert "'topic-prefix-change' is not an impact id" in result.stdout
    assert "[manifest/acknowledge]" in result.stdout


def test_acknowledge_in_kconnect_yaml(
    cli: CliRunner, fake: FakeConnect, prefix_change: dict[str, Any]
) -> None:
    project = prefix_change["dir"] / "kconnect.yaml"
    project.write_text('acknowledge:\n  "shop-*": [topic-prefix-changed]\n')
    result = cli("apply", str(prefix_change["dir"]), env=prefix_change["env"])
    assert result.exit_code == 0, result.output
    assert fake.connector_config("shop-cdc")["topic.prefix"] == "shop2"
    project.write_text('acknowledge:\n  "shop-*": [bogus]\n')
    bad = cli("plan", str(prefix_change["dir"]), env=prefix_change["env"])
    assert bad.exit_code != 0
    assert "kconnect.yaml:2: 'bogus' is not an impact id" in bad.output


def test_saved_plan_carries_impacts_and_apply_plan_still_refuses(
    cli: CliRunner, fake: FakeConnect, prefix_change: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    made = cli("plan", str(prefix_change["dir"]), "--out", str(out), env=prefix_change["env"])
    assert made.exit_code == 0, made.output
    doc = json.loads(out.read_text())
    assert doc["version"] == 2
    assert doc["changes"][0]["impacts"][0]["id"] == "topic-prefix-changed"
    fake.clear_requests()
    refused = cli("apply", "--plan", str(out), env=prefix_change["env"])
    assert refused.exit_code == 1 and _writes(fake) == []
    forced = cli("apply", "--plan", str(out), "--force", env=prefix_change["env"])
    assert forced.exit_code == 0, forced.output
    assert fake.connector_config("shop-cdc")["topic.prefix"] == "shop2"


def test_a_version_1_plan_file_is_refused(
    cli: CliRunner, prefix_change: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    cli("plan", str(prefix_change["dir"]), "--out", str(out), env=prefix_change["env"])
    doc = json.loads(out.read_text())
    doc["version"] = 1
    out.write_text(json.dumps(doc))
    result = cli("apply", "--plan", str(out), env=prefix_change["env"])
    assert result.exit_code == 1
    assert "plan file version 1 is not supported" in result.output


def test_rename_heuristic_warns_in_the_plan(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector(
        "orders",
        {
            "connector.class": FILE_SOURCE,
            "tasks.max": "1",
            "topic": "t",
            "file": "/tmp/orders-v2.txt",
        },
    )
    write_manifest(tmp_path, "v2.yaml", file_source("orders-v2"))
    result = cli("plan", str(tmp_path), "--prune", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 0, result.output
    assert (
        "    ! warning looks-like-rename: this looks like a rename of orders to orders-v2"
        in result.stdout
    )
    assert "      instead: add 'moved_from: orders' to orders-v2's manifest" in result.stdout
    # A warning is no danger: apply goes ahead (after the delete is confirmed).
    applied = cli("apply", str(tmp_path), "--prune", "--yes", env={"KCONNECT_URL": fake.url})
    assert applied.exit_code == 0, applied.output


def test_reconcile_refuses_logs_and_counts_a_dangerous_plan(
    fake: FakeConnect, prefix_change: dict[str, Any]
) -> None:
    import io

    from kconnect.api.client import ConnectClient
    from kconnect.config.settings import ClientSettings
    from kconnect.reconcile.cycle import CycleStatus
    from kconnect.reconcile.events import EventLog
    from kconnect.reconcile.loop import ReconcileOptions, Reconciler
    from kconnect.reconcile.metrics import ReconcileMetrics, parse_text

    stream = io.StringIO()
    metrics = ReconcileMetrics()
    fake.clear_requests()
    with ConnectClient(ClientSettings(url=fake.url)) as client:
        reconciler = Reconciler(
            client,
            ReconcileOptions(paths=(str(prefix_change["dir"]),)),
            env=dict,
            events=EventLog(json_lines=True, stream=stream),
            metrics=metrics,
        )
        result = reconciler.run_cycle()
        assert result.status is CycleStatus.UNSAFE
        assert result.error == "dangerous changes not acknowledged: shop-cdc (topic-prefix-changed)"
        assert _writes(fake) == []
        events = [json.loads(line) for line in stream.getvalue().splitlines()]
        [refused] = [e for e in events if e["event"] == "dangerous"]
        assert (refused["level"], refused["connector"], refused["impact"]) == (
            "error",
            "shop-cdc",
            "topic-prefix-changed",
        )
        assert refused["message"].startswith(
            "shop-cdc: refusing a dangerous change (topic-prefix-changed): Debezium writes"
        )
        samples = parse_text(metrics.render())
        assert samples["kconnect_reconcile_dangerous_plans_total"] == 1
        # Acknowledged in git: the next cycle applies it.
        text = _manifest_text(
            "shop-cdc", _source(**{"topic.prefix": "shop2"}), "acknowledge: [topic-prefix-changed]"
        )
        prefix_change["path"].write_text(text)
        assert reconciler.run_cycle().status is not CycleStatus.UNSAFE
    assert fake.connector_config("shop-cdc")["topic.prefix"] == "shop2"  # type: ignore[index]


def test_the_manifest_schema_lists_every_impact_id() -> None:
    schema = json.loads(
        (Path(__file__).parents[1] / "schemas" / "manifest.schema.json").read_text()
    )
    assert schema["properties"]["acknowledge"]["items"]["enum"] == [r.id for r in IMPACT_RULES]
    assert "moved_from" in schema["properties"]


def test_a_server_id_freed_by_a_delete_in_the_same_plan_is_not_shared() -> None:
    old = _source()
    changes = [
        PlannedChange("old", "delete", old, {}),
        PlannedChange("c", "create", {}, _source(**{"topic.prefix": "x"})),
    ]
    found = assess(changes, {"old": old}, {"c": _source(**{"topic.prefix": "x"})})
    assert "server-id-shared" not in [i.id for i in found["c"]]


def test_the_impacts_table_in_the_docs_is_current() -> None:
    from kconnect.planning.impact import impacts_markdown

    page = (Path(__file__).parents[1] / "docs" / "impacts.md").read_text(encoding="utf-8")
    assert impacts_markdown().strip() in page, "docs/impacts.md: regenerate the impacts table"


def test_plan_reads_offsets_only_where_an_impact_depends_on_them(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("shop-cdc", _source())
    fake.set_offsets(
        "shop-cdc", [{"partition": {"server": "shop"}, "offset": {"file": "b.1", "pos": 4}}]
    )
    path = write_manifest(
        tmp_path, "s.yaml", _manifest_text("shop-cdc", _source(**{"tasks.max": "1"}))
    )
    env = {"KCONNECT_URL": fake.url}
    fake.clear_requests()
    assert cli("plan", str(tmp_path), env=env).exit_code == 0
    assert [r.path for r in fake.requests] == ["/connectors"]

    path.write_text(_manifest_text("shop-cdc", _source(**{"snapshot.mode": "when_needed"})))
    fake.clear_requests()
    result = cli("plan", str(tmp_path), env=env)
    assert [r.path for r in fake.requests] == ["/connectors", "/connectors/shop-cdc/offsets"]
    assert "    ! warning snapshot-mode-no-resnapshot: snapshot.mode=when_needed is read only" in (
        result.stdout
    )
    fake.set_offsets("shop-cdc", [])
    result = cli("plan", str(tmp_path), env=env)
    assert "snapshot-mode-no-resnapshot" not in result.stdout
    # a reset partition listed with a null offset (a real worker, right after the reset) holds none
    fake.set_offsets("shop-cdc", [{"partition": {"server": "shop"}, "offset": None}])
    result = cli("plan", str(tmp_path), env=env)
    assert "snapshot-mode-no-resnapshot" not in result.stdout


def test_snapshot_mode_counts_its_default_and_a_removed_table_list_adds_tables() -> None:
    after = _source(**{"snapshot.mode": "always"})
    assert "snapshot-mode-always" in _ids(_source(), after, has_offsets=True)
    before = _source(**{"snapshot.mode": "initial"})
    assert "snapshot-mode-no-resnapshot" not in _ids(before, _source(), has_offsets=True)
    unlisted = _source()
    del unlisted["table.include.list"]
    change = PlannedChange("c", "update", _source(), unlisted)
    [added] = [i for i in assess([change], {}, {}, {"c": True})["c"] if i.id.startswith("table")]
    assert "every table not listed before" in added.message


def test_an_impact_masks_the_values_of_sensitive_keys_however_short(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """`sensitive_keys: [topic.prefix]`: the danger still fires, but its message quotes no
    prefix; a value of three characters is too common for the by-value safety net."""
    fake.add_connector("shop-cdc", _source(**{"topic.prefix": "qzx"}))
    write_manifest(
        tmp_path,
        "shop-cdc.yaml",
        _manifest_text(
            "shop-cdc", _source(**{"topic.prefix": "qzy"}), "sensitive_keys: [topic.prefix]"
        ),
    )
    env = {"KCONNECT_URL": fake.url}
    for args in ((), ("-o", "json"), ("-o", "markdown")):
        result = cli("plan", str(tmp_path), *args, env=env)
        assert result.exit_code == 0, result.output
        assert "topic-prefix-changed" in result.stdout, args
        assert "qzx" not in result.output and "qzy" not in result.output, (args, result.output)
    text = cli("plan", str(tmp_path), env=env).stdout
    assert (
        "    ! danger topic-prefix-changed: Debezium writes every change to topics named "
        "********.* instead of ********.*, and finds no offsets under '********'"
    ) in text
    refused = cli("apply", str(tmp_path), "--yes", env=env)
    assert refused.exit_code == 1
    assert "qzx" not in refused.output and "qzy" not in refused.output
