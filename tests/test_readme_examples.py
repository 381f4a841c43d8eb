"""The examples in README.md and docs/*.md are real: each one runs here against the fake worker
and must print exactly what the page shows.

- A ```text block holding `$ kconnect …` lines is a transcript. It is preceded by
  `<!-- example: SITUATION -->`, one of `SITUATIONS` below, and runs in bash in a copy of
  `connectors.d/`. `$ echo $?` prints the previous command's exit code; a line `...` stands for
  any number of lines.
- A ```json block marked the same way is the envelope of the `kconnect … -o json` command named
  in the sentence before it, compared as data: `[...]` stands for any value, a `"..."` key for
  any further keys; every other key and value must be exactly as shown.
- The manifest snippet in docs/manifests.md validates without errors.

The tour in README.md runs against a real worker: tests/integration/test_readme_tour.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kconnect.manifests.loader import load_manifests
from tests.fakeconnect import FakeConnect

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
}
EXAMPLE = re.compile(
    r"<!-- example: (?P<situation>[\w-]+) -->\n```(?P<lang>\w+)\n(?P<body>.*?)```", re.S
)
ANY = "\0any"


def _old_sink_on_cluster(fake: FakeConnect, workdir: Path) -> None:
    """The cluster runs an earlier elasticsearch-sink: another topic, key.ignore on, no
    null handling."""
    [sink] = [
        m
        for m in load_manifests([str(workdir / "connectors.d")], {})
        if m.name == "elasticsearch-sink"
    ]
    config = dict(sink.config)
    config.update({"topics": "mysql.mydb.post", "key.ignore": "true"})
    del config["behavior.on.null.values"]
    fake.add_connector("elasticsearch-sink", config)


def _sink_reads_wrong_topic(fake: FakeConnect, workdir: Path) -> None:
    path = workdir / "connectors.d" / "elasticsearch-sink.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\n  topics: mingle.mydb.post\n" in text
    path.write_text(
        text.replace("\n  topics: mingle.mydb.post\n", "\n  topics: mingle.mydb.posts\n")
    )


def _source_config(workdir: Path) -> dict[str, str]:
    [source] = [
        m for m in load_manifests([str(workdir / "connectors.d")], {}) if m.name == "mydb-connector"
    ]
    return dict(source.config)


def _source_with_old_prefix(fake: FakeConnect, workdir: Path) -> None:
    """The cluster runs mydb-connector with the prefix `mysql`; the manifest says `mingle`."""
    fake.add_connector("mydb-connector", {**_source_config(workdir), "topic.prefix": "mysql"})


# What a running Debezium MySQL source has stored: its binlog position, under topic.prefix.
_BINLOG_OFFSETS = [
    {
        "partition": {"server": "mingle"},
        "offset": {"file": "binlog.000003", "pos": 4711, "ts_sec": 1796500000},
    }
]


def _source_under_old_name(fake: FakeConnect, workdir: Path) -> None:
    """The cluster runs the source as `mydb-cdc`; the manifest renames it with moved_from."""
    fake.add_connector("mydb-cdc", _source_config(workdir))
    fake.set_offsets("mydb-cdc", _BINLOG_OFFSETS)
    path = workdir / "connectors.d" / "mydb-connector.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("name: mydb-connector\n", "name: mydb-connector\nmoved_from: mydb-cdc\n")
    )


def _source_under_old_name_undeclared(fake: FakeConnect, workdir: Path) -> None:
    """The same cluster, and a manifest that renames without saying so."""
    fake.add_connector("mydb-cdc", _source_config(workdir))
    fake.set_offsets("mydb-cdc", _BINLOG_OFFSETS)


def _sink_scaled_by_autoscaler(fake: FakeConnect, workdir: Path) -> None:
    """Both connectors run as declared, except that an autoscaler set the sink's tasks.max
    to 4; kconnect.yaml ignores it."""
    for manifest in load_manifests([str(workdir / "connectors.d")], {}):
        scaled = {"tasks.max": "4"} if manifest.name == "elasticsearch-sink" else {}
        fake.add_connector(manifest.name, {**manifest.config, **scaled})
    (workdir / "kconnect.yaml").write_text(
        'ignore_keys:\n  "elasticsearch-sink": [tasks.max]   # set by the autoscaler\n',
        encoding="utf-8",
    )


SITUATIONS: dict[str, Callable[[FakeConnect, Path], None]] = {
    "sink-scaled-by-autoscaler": _sink_scaled_by_autoscaler,
    "old-sink-on-cluster": _old_sink_on_cluster,
    "sink-reads-wrong-topic": _sink_reads_wrong_topic,
    "source-with-old-prefix": _source_with_old_prefix,
    "source-under-old-name": _source_under_old_name,
    "source-under-old-name-undeclared": _source_under_old_name_undeclared,
}
EXAMPLES = [
    {**m.groupdict(), "page": page} for page, text in PAGES.items() for m in EXAMPLE.finditer(text)
]


def test_every_transcript_in_the_docs_is_run() -> None:
    assert len(PAGES) > 5, "docs/*.md not found"
    for page, text in PAGES.items():
        blocks = re.findall(r"(<!-- example: [\w-]+ -->\n)?```text\n(.*?)```", text, re.S)
        unmarked = [body for marker, body in blocks if "$ kconnect" in body and not marker]
        assert unmarked == [], f"{page}: mark each transcript with <!-- example: SITUATION -->"
    assert {e["situation"] for e in EXAMPLES} <= set(SITUATIONS)
    assert len(EXAMPLES) >= 3


def _run(command: str, workdir: Path, fake: FakeConnect) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "KCONNECT_URL": fake.url,
        "NO_COLOR": "1",
        "TERM": "dumb",
        "COLUMNS": "200",
    }
    env = {k: v for k, v in env.items() if not k.startswith("KCONNECT_") or k == "KCONNECT_URL"}
    return subprocess.run(
        ["bash", "-c", f"{command} 2>&1"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "connectors.d", tmp_path / "connectors.d")
    return tmp_path


def _pattern(expected: list[str]) -> re.Pattern[str]:
    parts = ["(?:.*\n)*?" if line.strip() == "..." else re.escape(line) + "\n" for line in expected]
    return re.compile("".join(parts))


@pytest.mark.parametrize(
    "example",
    [e for e in EXAMPLES if e["lang"] == "text"],
    ids=lambda e: f"{e['page']}: {e['body'].splitlines()[0]}",
)
def test_docs_transcript(example: dict[str, str], workdir: Path, fake: FakeConnect) -> None:
    SITUATIONS[example["situation"]](fake, workdir)
    steps: list[tuple[str, list[str]]] = []
    for line in example["body"].splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    last = 0
    for command, expected in steps:
        if command == "echo $?":
            output = f"{last}\n"
        else:
            done = _run(command, workdir, fake)
            last, output = done.returncode, done.stdout
        assert _pattern(expected).fullmatch(output), f"$ {command}\n{output}"


def _matches(shown: Any, real: Any) -> bool:
    if shown == ANY:
        return True
    if isinstance(shown, dict):
        if not isinstance(real, dict):
            return False
        keys = set(shown) - {"..."}
        if keys - set(real) or ("..." not in shown and set(real) - keys):
            return False
        return all(_matches(shown[k], real[k]) for k in keys)
    return bool(shown == real)


@pytest.mark.parametrize(
    "example",
    [e for e in EXAMPLES if e["lang"] == "json"],
    ids=lambda e: f"{e['page']}: {e['situation']}",
)
def test_docs_json_envelope(example: dict[str, str], workdir: Path, fake: FakeConnect) -> None:
    text = PAGES[example["page"]]
    before = text[: text.index(example["body"])]
    [*_, command] = re.findall(r"`(kconnect [^`]+ -o json)`", before)
    SITUATIONS[example["situation"]](fake, workdir)
    shown = json.loads(example["body"].replace("[...]", json.dumps(ANY)))
    done = _run(command, workdir, fake)
    real = json.loads(done.stdout)
    assert _matches(shown, real), json.dumps(real, indent=2)


def test_docs_manifest_snippet_validates(tmp_path: Path) -> None:
    manifests = PAGES["docs/manifests.md"]
    snippet = re.search(r"```yaml\n(.*?)```", manifests, re.S)
    assert snippet is not None
    (tmp_path / "mydb-connector.yaml").write_text(snippet.group(1), encoding="utf-8")
    done = subprocess.run(
        [Path(sys.executable).parent / "kconnect", "validate", "mydb-connector.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith("1 connector(s) checked: 0 error(s), 0 warning(s)\n"), done.stdout
