"""The pre-commit hooks as a user runs them: the real `pre-commit try-repo` against this
repository, in a fixture repository holding the bundled pipeline. The default hook validates
the whole manifest set, so a commit that breaks the pipeline across files is refused.

pre-commit installs kconnect into its own virtualenv from PyPI (as it does for a user), once per
test session; PRE_COMMIT_HOME points into the session's temporary directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).parent.parent
BUNDLED = REPO / "connectors.d"
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "kconnect tests",
    "GIT_AUTHOR_EMAIL": "tests@kconnect.invalid",
    "GIT_COMMITTER_NAME": "kconnect tests",
    "GIT_COMMITTER_EMAIL": "tests@kconnect.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **_GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@dataclass(frozen=True)
class HookRepo:
    """This repository as committed plus its working tree (what is being tested), at one ref."""

    path: Path
    ref: str
    home: Path


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout of kconnect (pre-commit installs hooks from git)")
    pytest.importorskip("pre_commit", reason="pre-commit is in the dev extras")
    snapshot = tmp_path_factory.mktemp("kconnect-hook-repo")
    files = _git(REPO, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, files.split("\0")):
        source = REPO / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    _git(snapshot, "init", "-q", "-b", "main")
    _git(snapshot, "add", "-A")
    _git(snapshot, "commit", "-q", "-m", "snapshot")
    return HookRepo(snapshot, _git(snapshot, "rev-parse", "HEAD"), tmp_path_factory.mktemp("pch"))


@pytest.fixture
def pipeline_repo(tmp_path: Path) -> Iterator[Path]:
    """A user's repository with the bundled pipeline (Debezium source, Elasticsearch sink),
    committed."""
    shutil.copytree(BUNDLED, tmp_path / "connectors.d")
    (tmp_path / "README.md").write_text("connectors\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "pipeline")
    yield tmp_path


def _try_repo(repo: HookRepo, cwd: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **_GIT_ENV, "PRE_COMMIT_HOME": str(repo.home), "NO_COLOR": "1"}
    env.pop("KCONNECT_URL", None)
    return subprocess.run(
        [
            *(sys.executable, "-m", "pre_commit", "try-repo", str(repo.path), hook),
            *("--ref", repo.ref, "--verbose", "--color", "never"),
        ],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )


def _retarget_sink(repo: Path, topic: str) -> None:
    sink = repo / "connectors.d" / "elasticsearch-sink.yaml"
    text = sink.read_text()
    assert "  topics: mingle.mydb.post\n" in text
    sink.write_text(text.replace("  topics: mingle.mydb.post\n", f"  topics: {topic}\n"))
    _git(repo, "add", "connectors.d/elasticsearch-sink.yaml")


def test_a_sink_reading_a_topic_nothing_produces_is_refused(
    hook_repo: HookRepo, pipeline_repo: Path
) -> None:
    _retarget_sink(pipeline_repo, "mingle.mydb.posts")
    result = _try_repo(hook_repo, pipeline_repo, "kconnect-validate")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "kconnect validate" in result.stdout
    assert "Failed" in result.stdout
    assert "[topics-unmatched]" in result.stdout
    assert "connectors.d/elasticsearch-sink.yaml" in result.stdout

    # Why the changed-files hook is not the default: it sees the sink alone, and passes.
    changed = _try_repo(hook_repo, pipeline_repo, "kconnect-validate-changed")
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert "[topics-unmatched]" not in changed.stdout


def test_a_commit_that_only_deletes_a_source_is_checked_too(
    hook_repo: HookRepo, pipeline_repo: Path
) -> None:
    """pre-commit passes no deleted files to hooks; the default hook runs anyway."""
    source = (pipeline_repo / "connectors.d" / "mydb-connector.yaml").read_text()
    other = (
        source.replace("name: mydb-connector", "name: other-connector")
        .replace("topic.prefix: mingle", "topic.prefix: other")
        .replace("database.server.id: 184054", "database.server.id: 184055")
        .replace("schema-history.mingle", "schema-history.other")
    )
    (pipeline_repo / "connectors.d" / "other-connector.yaml").write_text(other)
    _git(pipeline_repo, "add", "-A")
    _git(pipeline_repo, "commit", "-q", "-m", "a second source")
    _git(pipeline_repo, "rm", "-q", "connectors.d/mydb-connector.yaml")
    result = _try_repo(hook_repo, pipeline_repo, "kconnect-validate")
    # The sink's topic is now outside every declared source's namespace: something outside
    # Connect could write it, so a warning (an error with --strict), not a refusal.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[topics-unproduced]" in result.stdout


def test_a_good_change_passes_and_says_what_was_checked(
    hook_repo: HookRepo, pipeline_repo: Path
) -> None:
    sink = pipeline_repo / "connectors.d" / "elasticsearch-sink.yaml"
    sink.write_text(sink.read_text() + "# reviewed\n")
    _git(pipeline_repo, "add", "-A")
    result = _try_repo(hook_repo, pipeline_repo, "kconnect-validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
    assert "2 connector(s) checked: 0 error(s)" in result.stdout
    # The former name still works.
    assert _try_repo(hook_repo, pipeline_repo, "kconnect-validate-all").returncode == 0
