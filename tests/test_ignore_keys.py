"""`ignore_keys:` (as Terraform's `ignore_changes`) in a manifest or in kconnect.yaml, and
kconnect.yaml's `sensitive_keys:`, against the fake worker: what plans show, the exit codes,
and the exact config bodies apply sends (a PUT replaces the whole config, so an ignored key
must be sent with its live value or it is lost)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FILE_SOURCE, CliResult, CliRunner, env_of, repository
from tests.fakeconnect import FakeConnect

CANARY = "canary-sensitive-QRS"


def _live(**extra: str) -> dict[str, str]:
    """`src` as the worker holds it, an autoscaler having set tasks.max to 7."""
    return {"connector.class": FILE_SOURCE, "tasks.max": "7", "topic": "t", **extra}


def _repo(tmp_path: Path, manifest: str, project: str | None = None) -> Path:
    """A repository with connectors.d/src.yaml holding `manifest`, and kconnect.yaml."""
    return repository(tmp_path, {"src": manifest}, project)


def _manifest(*, ignore: str = "[tasks.max]", topic: str = "t", tasks: str | None = "1") -> str:
    lines = [
        "name: src",
        *([f"ignore_keys: {ignore}"] if ignore else []),
        "config:",
        f"  connector.class: {FILE_SOURCE}",
        *([f"  tasks.max: {tasks}"] if tasks is not None else []),
        f"  topic: {topic}",
    ]
    return "\n".join(lines) + "\n"


def _bodies(fake: FakeConnect) -> list[tuple[str, str, object]]:
    return [(r.method, r.path, r.body) for r in fake.writes()]


def _apply(cli: CliRunner, fake: FakeConnect, *args: str) -> CliResult:
    fake.clear_requests()
    result = cli("apply", *args, "--yes", env=env_of(fake))
    assert result.exit_code == 0, result.output
    return result


# -- planning: an ignored difference is no change -------------------------------------------------


def test_only_an_ignored_difference_is_no_change_in_every_output(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest())
    text = cli("plan", str(folder), "--detailed-exitcode", env=env_of(fake))
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines() == [
        "Ignored keys that differ (ignore_keys; the cluster's values are kept): src (tasks.max).",
        "No changes. The cluster matches the manifests (ignored keys aside).",
        "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged.",
    ]
    data = cli("plan", str(folder), "-o", "json", env=env_of(fake)).json["data"]
    assert data["changes"] == []
    assert data["unchanged"] == ["src"]
    assert data["ignored"] == {"src": ["tasks.max"]}
    markdown = cli("plan", str(folder), "-o", "markdown", env=env_of(fake)).stdout
    assert "No changes. The cluster matches the manifests (ignored keys aside)." in markdown
    assert "- Ignored keys that differ (ignore\\_keys; the cluster's values are kept): src " in (
        markdown
    )
    _apply(cli, fake, str(folder))
    assert _bodies(fake) == []
    assert fake.connector_config("src")["tasks.max"] == "7"


def test_without_ignore_keys_the_same_difference_is_planned_and_overwritten(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """What the rule prevents: the manifest's tasks.max clobbers the autoscaler's."""
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest(ignore=""))
    result = cli("plan", str(folder), "--detailed-exitcode", env=env_of(fake))
    assert result.exit_code == 2
    assert '    ~ tasks.max: "7" → "1"' in result.stdout
    assert "Ignored" not in result.stdout
    _apply(cli, fake, str(folder))
    assert fake.connector_config("src")["tasks.max"] == "1"


def test_a_change_to_another_key_sends_the_live_value_of_the_ignored_key(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest(topic="t2"))
    plan = cli("plan", str(folder), "-o", "json", env=env_of(fake)).json["data"]
    assert [k["key"] for k in plan["changes"][0]["keys"]] == ["topic"]
    assert plan["summary"]["update"] == 1
    _apply(cli, fake, str(folder))
    assert _bodies(fake) == [
        (
            "PUT",
            "/connectors/src/config",
            {"connector.class": FILE_SOURCE, "topic": "t2", "tasks.max": "7"},
        )
    ]


def test_apply_wait_judges_the_config_written_not_the_ignored_declared_value(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """--wait compares the task configs with what was written (tasks.max 7), not with the
    manifest's ignored tasks.max 1, which the worker will never show."""
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest(topic="t2"))
    result = _apply(cli, fake, str(folder), "--wait", "--timeout", "20")
    assert "✓ src: updated" in result.stdout
    assert fake.connector_config("src")["tasks.max"] == "7"


def test_ignored_key_in_the_manifest_but_not_live_is_left_out(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    live = _live()
    del live["tasks.max"]
    fake.add_connector("src", live)
    folder = _repo(tmp_path, _manifest(topic="t2"))
    plan = cli("plan", str(folder), "-o", "json", env=env_of(fake)).json["data"]
    assert plan["ignored"] == {"src": ["tasks.max"]}
    _apply(cli, fake, str(folder))
    assert _bodies(fake) == [
        ("PUT", "/connectors/src/config", {"connector.class": FILE_SOURCE, "topic": "t2"})
    ]


def test_ignored_key_live_but_not_in_the_manifest_keeps_its_live_value(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest(topic="t2", tasks=None))
    assert cli("plan", str(folder), "-o", "json", env=env_of(fake)).json["data"]["ignored"] == {
        "src": ["tasks.max"]
    }
    _apply(cli, fake, str(folder))
    [(_method, _path, body)] = _bodies(fake)
    assert body == {"connector.class": FILE_SOURCE, "topic": "t2", "tasks.max": "7"}


def test_on_create_the_manifest_value_of_an_ignored_key_is_sent(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """Ignored for changes only, as Terraform's `ignore_changes`: a new connector starts
    with what the manifest says."""
    folder = _repo(tmp_path, _manifest())
    plan = cli("plan", str(folder), "-o", "json", env=env_of(fake)).json["data"]
    assert plan["ignored"] == {}
    assert [k["key"] for k in plan["changes"][0]["keys"]] == [
        "connector.class",
        "tasks.max",
        "topic",
    ]
    _apply(cli, fake, str(folder))
    assert fake.connector_config("src") == {
        "connector.class": FILE_SOURCE,
        "tasks.max": "1",
        "topic": "t",
        "name": "src",
    }


def test_a_rename_takes_the_ignored_key_from_the_old_connector(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("old-src", _live())
    manifest = _manifest().replace("name: src\n", "name: src\nmoved_from: old-src\n")
    folder = _repo(tmp_path, manifest)
    plan = cli("plan", str(folder), "-o", "json", env=env_of(fake)).json["data"]
    assert (plan["changes"][0]["action"], plan["changes"][0]["keys"]) == ("rename", [])
    assert plan["ignored"] == {"src": ["tasks.max"]}
    _apply(cli, fake, str(folder))
    assert fake.connector_names() == ["src"]
    assert fake.connector_config("src") == {**_live(), "name": "src"}


def test_an_ignored_secret_is_neither_shown_nor_overwritten(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("src", _live(**{"api.token": f"{CANARY}-live"}))
    manifest = _manifest(ignore="[api.token]", tasks="7", topic="t2") + (
        f"  api.token: {CANARY}-declared\n"
    )
    folder = _repo(
        tmp_path, manifest.replace("ignore_keys:", "sensitive_keys: [api.token]\nignore_keys:")
    )
    for args in ((), ("-o", "json"), ("-o", "markdown")):
        result = cli("plan", str(folder), *args, env=env_of(fake))
        assert result.exit_code == 0, result.output
        assert CANARY not in result.output, args
        assert "api.token" in result.stdout, args  # named as ignored, never with its value
    saved = tmp_path / "plan.json"
    assert cli("plan", str(folder), "--out", str(saved), env=env_of(fake)).exit_code == 0
    assert CANARY not in saved.read_text()
    applied = _apply(cli, fake, "--plan", str(saved))
    assert CANARY not in applied.output
    [(_method, _path, body)] = _bodies(fake)
    assert isinstance(body, dict)
    assert body["api.token"] == f"{CANARY}-live"
    assert body["topic"] == "t2"


# -- kconnect.yaml ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule", ["ignore_keys: [tasks.max]\n", 'ignore_keys:\n  "s*": [tasks.max]\n']
)
def test_kconnect_yaml_ignore_keys_for_every_connector_or_by_pattern(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, rule: str
) -> None:
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest(ignore="", topic="t2"), rule)
    plan = cli("plan", str(folder), "-o", "json", env=env_of(fake)).json["data"]
    assert plan["ignored"] == {"src": ["tasks.max"]}
    _apply(cli, fake, str(folder))
    [(_method, _path, body)] = _bodies(fake)
    assert body == {"connector.class": FILE_SOURCE, "topic": "t2", "tasks.max": "7"}


def test_kconnect_yaml_pattern_that_does_not_match_ignores_nothing(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest(ignore=""), 'ignore_keys:\n  "sink-*": [tasks.max]\n')
    result = cli("plan", str(folder), "--detailed-exitcode", env=env_of(fake))
    assert result.exit_code == 2
    assert '    ~ tasks.max: "7" → "1"' in result.stdout


def test_kconnect_yaml_sensitive_keys_mask_every_output(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("src", _live(topic=f"{CANARY}-old"))
    folder = _repo(
        tmp_path, _manifest(ignore="", tasks="7", topic=CANARY), "sensitive_keys: [topic]\n"
    )
    for command in ("plan", "diff"):
        for args in ((), ("-o", "json"), ("-o", "markdown")):
            result = cli(command, str(folder), *args, env=env_of(fake))
            assert result.exit_code == 0, result.output
            assert CANARY not in result.output, (command, args)
    data = cli("plan", str(folder), "-o", "json", env=env_of(fake)).json["data"]
    [key] = data["changes"][0]["keys"]
    assert (key["key"], key["secret"]) == ("topic", True)
    assert cli("validate", str(folder), "-o", "json").exit_code == 0
    saved = tmp_path / "plan.json"
    assert cli("plan", str(folder), "--out", str(saved), env=env_of(fake)).exit_code == 0
    assert CANARY not in saved.read_text()
    assert "pbkdf2-sha256:" in saved.read_text()
    applied = _apply(cli, fake, "--plan", str(saved))
    assert CANARY not in applied.output
    assert fake.connector_config("src")["topic"] == CANARY


def test_kconnect_yaml_sensitive_keys_by_pattern_mask_describe_status_and_export(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commands that read only the cluster use the kconnect.yaml of the current directory."""
    fake.add_connector("src", _live(topic=CANARY))
    folder = _repo(tmp_path, _manifest(), 'sensitive_keys:\n  "src": [topic]\n')
    monkeypatch.chdir(folder.parent)
    for args in (("describe", "src"), ("describe", "src", "-o", "json")):
        result = cli(*args, env=env_of(fake))
        assert result.exit_code == 0, result.output
        assert CANARY not in result.output, args
    fake.fail_task("src", 0, trace=f"org.example.Boom: cannot reach topic {CANARY}")
    for args in (("status",), ("status", "src", "-o", "json")):
        result = cli(*args, env=env_of(fake))
        assert "org.example.Boom" in result.output, args
        assert CANARY not in result.output, args
    exported = cli("export", "src", "--dir", "-", env=env_of(fake))
    assert exported.exit_code == 0, exported.output
    assert CANARY not in exported.output
    assert "topic: ${SRC_TOPIC}" in exported.stdout


# -- reviewed plans -----------------------------------------------------------------------------


def test_plan_file_carries_the_rule_and_apply_sends_the_value_live_at_apply_time(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """An autoscaler moving tasks.max after the review does not make the plan stale, and the
    value it set then is what apply writes back."""
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest(topic="t2"))
    saved = tmp_path / "plan.json"
    assert cli("plan", str(folder), "--out", str(saved), env=env_of(fake)).exit_code == 0
    doc = json.loads(saved.read_text())
    assert (doc["version"], doc["ignore_keys"]) == (3, {"src": ["tasks.max"]})
    fake.add_connector("src", _live(**{"tasks.max": "9"}))
    _apply(cli, fake, "--plan", str(saved))
    [(_method, _path, body)] = _bodies(fake)
    assert body == {"connector.class": FILE_SOURCE, "topic": "t2", "tasks.max": "9"}


def test_plan_file_rule_wins_over_a_kconnect_yaml_changed_after_the_review(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest(ignore="", topic="t2"), "ignore_keys: [tasks.max]\n")
    saved = tmp_path / "plan.json"
    assert cli("plan", str(folder), "--out", str(saved), env=env_of(fake)).exit_code == 0
    (folder.parent / "kconnect.yaml").unlink()  # the rule is gone by apply time
    _apply(cli, fake, "--plan", str(saved))
    [(_method, _path, body)] = _bodies(fake)
    assert body == {"connector.class": FILE_SOURCE, "topic": "t2", "tasks.max": "7"}


def test_a_create_reviewed_with_an_ignored_key_is_stale_if_its_value_changes(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """On create the manifest's value is written, so it is part of what was reviewed."""
    folder = _repo(tmp_path, _manifest())
    saved = tmp_path / "plan.json"
    assert cli("plan", str(folder), "--out", str(saved), env=env_of(fake)).exit_code == 0
    (folder / "src.yaml").write_text(_manifest(tasks="3"), encoding="utf-8")
    fake.clear_requests()
    result = cli("apply", "--plan", str(saved), "--yes", env=env_of(fake))
    assert result.exit_code == 1, result.output
    assert "src: the manifests no longer produce the same change" in result.stderr
    assert fake.writes() == []


def test_a_rule_added_after_the_review_does_not_apply_to_that_plan(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """Reviewed without the rule: tasks.max 7 → 1 was in the plan and is what apply writes."""
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest(ignore=""))
    saved = tmp_path / "plan.json"
    assert cli("plan", str(folder), "--out", str(saved), env=env_of(fake)).exit_code == 0
    assert json.loads(saved.read_text())["version"] == 2  # no rule: older kconnect reads it
    (folder.parent / "kconnect.yaml").write_text("ignore_keys: [tasks.max]\n")
    _apply(cli, fake, "--plan", str(saved))
    assert fake.connector_config("src")["tasks.max"] == "1"


# -- reconcile ----------------------------------------------------------------------------------


def test_reconcile_reports_no_drift_for_an_ignored_key_and_writes_nothing(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest(ignore=""), "ignore_keys: [tasks.max]\n")
    fake.clear_requests()
    result = cli("reconcile", str(folder), "--once", env=env_of(fake))
    assert result.exit_code == 0, result.output
    assert "drift" not in result.output
    assert _bodies(fake) == []


def test_reconcile_writes_the_live_value_of_an_ignored_key_with_other_drift(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("src", _live())
    folder = _repo(tmp_path, _manifest(topic="t2"))
    fake.clear_requests()
    result = cli("reconcile", str(folder), "--once", env=env_of(fake))
    assert result.exit_code == 0, result.output
    [(_method, _path, body)] = _bodies(fake)
    assert body == {"connector.class": FILE_SOURCE, "topic": "t2", "tasks.max": "7"}


# -- bad rules: file:line, nothing sent ---------------------------------------------------------


def _refused_by_every_command(
    cli: CliRunner, fake: FakeConnect, folder: Path, error: str, *, on_stderr: bool = False
) -> None:
    """validate, plan and apply of `folder` each exit 1 and print `error` (on stderr, with
    `on_stderr`), against a worker holding `src`; nothing is written."""
    fake.add_connector("src", _live())
    fake.clear_requests()
    for command in ("validate", "plan", "apply"):
        result = cli(
            command, str(folder), *(["--yes"] if command == "apply" else []), env=env_of(fake)
        )
        assert result.exit_code == 1, (command, result.output)
        assert error in (result.stderr if on_stderr else result.output), command
    assert fake.writes() == []


@pytest.mark.parametrize(
    ("ignore", "line", "message"),
    [
        (
            "[connector.class]",
            2,
            "ignore_keys cannot name 'connector.class': it defines the "
            "connector, so kconnect must always manage it",
        ),
        ("[name]", 2, "ignore_keys cannot name 'name'"),
        ("tasks.max", 2, "ignore_keys must be a list of config keys, like [tasks.max]"),
        ("[tasks.max, tasks.max]", 2, "ignore_keys lists 'tasks.max' twice"),
        ("[1]", 2, "each entry of ignore_keys must be a non-empty string"),
        ("['']", 2, "each entry of ignore_keys must be a non-empty string"),
        (
            "['transforms.*.topic']",
            2,
            "ignore_keys lists exact config keys, and 'transforms.*.topic' looks like a "
            "pattern: no key is matched by pattern, so it would match nothing; list each key",
        ),
    ],
)
def test_bad_manifest_ignore_keys_are_errors_at_their_line_and_nothing_is_sent(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, ignore: str, line: int, message: str
) -> None:
    folder = _repo(tmp_path, _manifest(ignore=ignore, topic="t2"))
    error = f"{folder / 'src.yaml'}:{line}: error: {message}"
    _refused_by_every_command(cli, fake, folder, error)


@pytest.mark.parametrize(
    ("project", "line", "message"),
    [
        ("ignore_keys: [connector.class]\n", 1, "ignore_keys cannot name 'connector.class'"),
        ("ignore_keys:\n  '*': [name]\n", 2, "ignore_keys cannot name 'name'"),
        (
            "ignore_keys: tasks.max\n",
            1,
            "ignore_keys must be a list of config keys (for every "
            "connector), like ignore_keys: [tasks.max], or map connector name patterns",
        ),
        (
            "sensitive_keys: {a: b}\n",
            1,
            "sensitive_keys.a must be a list of config keys, like [api.token]",
        ),
        (
            "sensitive_keys:\n  - [a]\n",
            2,
            "each entry of sensitive_keys must be a non-empty string",
        ),
        ("ignore_keys:\n  'x/y': [a]\n", 2, "ignore_keys pattern 'x/y' contains '/'"),
        ("ignore_keys: [a, a]\n", 1, "ignore_keys lists 'a' twice"),
        # Patterns name connectors; keys are exact. A glob key would mask nothing, and the
        # value the user meant to hide would be printed.
        (
            "sensitive_keys:\n  '*': ['transforms.?.route']\n",
            2,
            "sensitive_keys lists exact config keys, and 'transforms.?.route' looks like a pattern",
        ),
        ("sensitive_keys: ['topic[0]']\n", 1, "sensitive_keys lists exact config keys"),
    ],
)
def test_bad_kconnect_yaml_rules_are_errors_at_their_line_and_nothing_is_sent(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, project: str, line: int, message: str
) -> None:
    folder = _repo(tmp_path, _manifest(ignore="", topic="t2"), project)
    error = f"error: {folder.parent / 'kconnect.yaml'}:{line}: {message}"
    _refused_by_every_command(cli, fake, folder, error, on_stderr=True)


def test_a_misspelt_rule_is_an_unknown_key_in_either_file(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    folder = _repo(
        tmp_path, _manifest(ignore="").replace("name: src\n", "name: src\nignore_key: [a]\n")
    )
    result = cli("validate", str(folder))
    assert result.exit_code == 1
    assert f"{folder / 'src.yaml'}:2: error: unknown top-level key 'ignore_key' (allowed: " in (
        result.stdout
    )
    assert "sensitive_keys, ignore_keys)" in result.stdout
    (folder / "src.yaml").write_text(_manifest(ignore=""), encoding="utf-8")
    (folder.parent / "kconnect.yaml").write_text("owns: ['*']\nsensitive_key: [a]\n")
    result = cli("plan", str(folder), env=env_of(fake))
    assert result.exit_code == 1
    assert (
        f"error: {folder.parent / 'kconnect.yaml'}:2: unknown key 'sensitive_key' in kconnect.yaml "
        "(allowed: owns, limits, acknowledge, sensitive_keys, ignore_keys)"
    ) in result.stderr
    assert fake.requests == []
