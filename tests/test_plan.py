"""Planning is a pure function: manifests + one cluster snapshot → a frozen, masked Plan."""

from __future__ import annotations

from typing import Any

from kconnect.cli.render import plan_lines
from kconnect.manifests.model import Manifest, TargetState
from kconnect.output.redaction import MASK
from kconnect.planning.plan import Action, KeyChangeKind, build_plan, diff_config

CLASS = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def _live(config: dict[str, str], state: str = "RUNNING") -> dict[str, Any]:
    return {
        "info": {"name": config.get("name", "x"), "config": config, "tasks": [], "type": "source"},
        "status": {"connector": {"state": state, "worker_id": "w"}, "tasks": [], "type": "source"},
    }


def _manifest(name: str, state: TargetState = TargetState.RUNNING, **config: str) -> Manifest:
    return Manifest(name, {"connector.class": CLASS, **config}, state)


def test_unchanged_when_only_worker_keys_differ() -> None:
    live = {"a": _live({"connector.class": CLASS, "topic": "t", "name": "a", "__internal.x": "1"})}
    plan = build_plan([_manifest("a", topic="t")], live)
    assert not plan.has_changes
    assert plan.unchanged == ("a",)


def test_key_level_changes_sorted() -> None:
    live = {"a": _live({"connector.class": CLASS, "topic": "old", "batch.size": "10"})}
    plan = build_plan([_manifest("a", topic="new", file="/f")], live)
    [change] = plan.changes
    assert change.action is Action.UPDATE
    assert [(k.key, k.kind, k.before, k.after) for k in change.key_changes] == [
        ("batch.size", KeyChangeKind.REMOVED, "10", None),
        ("file", KeyChangeKind.ADDED, None, "/f"),
        ("topic", KeyChangeKind.CHANGED, "old", "new"),
    ]


def test_secrets_are_masked_in_the_plan_itself() -> None:
    changes = diff_config(
        {"database.password": "old-secret", "db.pin": "1"},
        {"database.password": "new-secret", "db.pin": "2", "x.ref": "${env:X}"},
        password_keys=("db.pin",),
    )
    shown = {c.key: (c.before, c.after, c.secret) for c in changes}
    assert shown["database.password"] == (MASK, MASK, True)
    assert shown["db.pin"] == (MASK, MASK, True)
    assert shown["x.ref"] == (None, "${env:X}", False)
    assert "old-secret" not in repr(changes) and "new-secret" not in repr(changes)


def test_state_changes() -> None:
    live = {
        "p": _live({"connector.class": CLASS}, "PAUSED"),
        "f": _live({"connector.class": CLASS}, "FAILED"),
        "s": _live({"connector.class": CLASS}, "RUNNING"),
    }
    plan = build_plan([_manifest("p"), _manifest("f"), _manifest("s", TargetState.STOPPED)], live)
    assert [(c.name, c.state_before, c.state_changed) for c in plan.changes] == [
        ("p", "PAUSED", True),
        ("s", "RUNNING", True),
    ]
    assert plan.unchanged == ("f",)  # FAILED is a health problem, not a state to change


def test_prune_and_unmanaged() -> None:
    live = {"stray": _live({"connector.class": CLASS})}
    assert build_plan([], live).unmanaged == ("stray",)
    pruned = build_plan([], live, prune=True)
    assert [(c.name, c.action) for c in pruned.changes] == [("stray", Action.DELETE)]
    assert pruned.counts == {"create": 0, "update": 0, "delete": 1, "unchanged": 0}


def test_rendered_lines() -> None:
    live = {
        "a": _live({"connector.class": CLASS, "database.password": "x1", "topic": "t"}, "RUNNING")
    }
    plan = build_plan(
        [_manifest("a", TargetState.PAUSED, topic="u", **{"database.password": "x2"})], live
    )
    assert [text for text, _ in plan_lines(plan.changes[0])] == [
        "~ update a",
        f"    ~ database.password: {MASK} → {MASK} (secret changed)",
        '    ~ topic: "t" → "u"',
        "    state: RUNNING → PAUSED",
        "    ! info config-update-restarts: Connect restarts the connector and its tasks to "
        "apply the new config; records since the last offset commit may be delivered again",
    ]
