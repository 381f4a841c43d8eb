"""The test stack's Elasticsearch leg where the sink's source (../shared/elasticsearch-sink) is
missing, as in someone's own clone: one line saying what is missing, never a traceback; the
tests that need it skip with that reason. No stack is started here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.stack.elasticsearch import content_hash

REPO = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KCONNECT_")}
    env["KCONNECT_STACK_ES_SINK_SRC"] = str(tmp_path / "no-such-sink")
    env["KCONNECT_STACK_CACHE"] = str(tmp_path / "cache")
    return env


def test_up_elasticsearch_without_the_sink_source_fails_with_one_line(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "tests.stack", "up", "--elasticsearch"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert res.returncode == 1
    assert res.stdout == ""
    assert res.stderr.splitlines() == [
        "error: the Elasticsearch sink source ../shared/elasticsearch-sink is missing (no "
        f"pom.xml in {tmp_path / 'no-such-sink'}); set KCONNECT_STACK_ES_SINK_SRC to its folder"
    ]
    assert not (tmp_path / "cache").exists()  # nothing fetched, nothing started


def test_elasticsearch_tests_skip_with_the_reason(tmp_path: Path) -> None:
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests/integration/test_es_pipeline.py",
        ],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SKIPPED" in res.stdout and "passed" not in res.stdout, res.stdout
    assert "the Elasticsearch sink source ../shared/elasticsearch-sink is missing" in res.stdout
    assert "[kconnect-stack]" not in res.stdout + res.stderr  # no stack was started


def test_sink_cache_key_follows_the_source_content(tmp_path: Path) -> None:
    src = tmp_path / "sink"
    (src / "src").mkdir(parents=True)
    (src / "pom.xml").write_text("<project/>")
    (src / "src" / "A.java").write_text("class A {}")
    key = content_hash(src)
    (src / "target").mkdir()
    (src / "target" / "out.jar").write_text("built")
    assert content_hash(src) == key  # build output is not source
    (src / "src" / "A.java").write_text("class A { int x; }")
    assert content_hash(src) != key
