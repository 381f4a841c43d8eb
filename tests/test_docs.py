"""The README keeps up with the CLI: every command documented, the two newcomer commands true."""

from __future__ import annotations

from pathlib import Path

from kconnect.cli.app import build_app
from kconnect.errors import ExitCode

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented_with_help() -> None:
    command = build_app()
    for name, sub in command.commands.items():
        assert f"kconnect {name}" in README, f"`kconnect {name}` is not in README.md"
        assert (sub.help or "").strip(), f"`kconnect {name}` has no help text"


def test_every_exit_code_is_documented() -> None:
    for code in ExitCode:
        assert f"| {int(code)} |" in README, f"exit code {int(code)} is not in README.md"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] in README
    assert "docker compose up -d --build" in README


def test_every_lint_rule_is_documented() -> None:
    from kconnect.validate.lint import RULES

    for rule in RULES:
        assert f"`{rule}`" in README, rule


def test_root_help_table_matches_every_command() -> None:
    from kconnect.cli import COMMANDS

    command = build_app()
    # registration order follows import order; the help lists COMMANDS order regardless
    assert sorted(COMMANDS) == sorted(command.commands)
    for name, sub in command.commands.items():
        module = sub.callback.__module__ if sub.callback else None
        assert COMMANDS[name][1] == sub.get_short_help_str(limit=1000), name
        if module is not None:
            assert module == f"kconnect.cli.{COMMANDS[name][0]}", name
