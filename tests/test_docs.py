"""The docs keep up with the CLI: README.md is a short front door that links every page of
docs/, every command is listed in docs/commands.md, the two newcomer commands are true, and
every relative link and anchor resolves."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from kconnect.cli.app import build_app
from kconnect.errors import ExitCode

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_the_readme_is_a_front_door() -> None:
    assert len(README.splitlines()) <= 300
    for page in PAGES:
        assert f"](docs/{page.name})" in README, f"README.md does not link docs/{page.name}"


def test_every_command_is_listed_with_help() -> None:
    table = _page("commands.md").split("## Every command", 1)[1].split("\n\n", 2)[1]
    command = build_app()
    for name, sub in command.commands.items():
        assert f"| `kconnect {name}" in table or f", `kconnect {name}" in table, (
            f"`kconnect {name}` is not in the table of docs/commands.md"
        )
        assert (sub.help or "").strip(), f"`kconnect {name}` has no help text"


def test_every_exit_code_is_documented() -> None:
    commands = _page("commands.md")
    for code in ExitCode:
        assert f"| {int(code)} |" in commands, f"exit code {int(code)} is not in docs/commands.md"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] in README
    assert "docker compose up -d --build" in README


def test_every_lint_rule_is_documented() -> None:
    from kconnect.validate.lint import RULES, rules_markdown

    validation = _page("validation.md")
    for rule in RULES:
        assert f"`{rule}`" in validation, rule
    assert rules_markdown().strip() in validation, "docs/validation.md: regenerate the rules table"


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    found: set[str] = set()
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#+ (.*)", line)):
            slug = "".join(
                c for c in m.group(1).lower() if c in "-_ " or unicodedata.category(c)[0] in "LN"
            )
            found.add(slug.replace(" ", "-"))
    return found


def test_every_relative_link_resolves() -> None:
    for page in [ROOT / "README.md", *PAGES]:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            assert resolved.exists(), f"{page.name}: link to {target}: no such file"
            if anchor:
                assert anchor in _anchors(resolved.read_text(encoding="utf-8")), (
                    f"{page.name}: link to {target}: no such heading"
                )


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


def test_rule_table_observations_are_the_proven_rules() -> None:
    """A rule says what the real pipeline did only where tests/integration/test_es_rules_real.py
    applies its bad configuration to the real sink."""
    from kconnect.validate.lint import RULES
    from tests.integration.test_es_rules_real import PROOFS, REFUSED, TUTORIAL_PROVEN

    proven = {p.rule for p in PROOFS.values()} | {rule for rule, _, _ in REFUSED.values()}
    proven |= TUTORIAL_PROVEN
    assert {r.id for r in RULES.values() if r.observed} == proven
