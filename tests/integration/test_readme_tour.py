"""The README's five-minute tour, run as written against the real stack.

Every shell line of README.md's "A five-minute tour" section runs here in bash, in order, in a
git checkout of `examples/tour/`, with the variables `python -m tests.stack up` prints. Starting
and stopping the stack is the session fixture's job, so those two lines are the only ones not
run. `STEPS` says what each line must do; the README and `STEPS` must list the same lines, so an
edit to the tour fails here until the tour is run again.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stack.__main__ import export_lines
from tests.stack.stack import Stack

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent.parent
SINK_FILE = "/tmp/kconnect-tour-posts.txt"
NAMES = ("tour-posts-source", "tour-posts-file-sink")
UP, DOWN = 'eval "$(python -m tests.stack up --detach)"', "python -m tests.stack down"
MARIADB = (
    'mariadb -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$KCONNECT_STACK_MARIADB_USER" '
    '-p"$KCONNECT_STACK_MARIADB_PASSWORD" mydb'
)
INSERT = (
    f"{MARIADB} -e \"INSERT INTO post (author_id, content) VALUES (1, 'Hello, Kafka Connect')\""
)
UPDATE = (
    f"{MARIADB} -e \"UPDATE post SET content = 'Edited' WHERE content = 'Hello, Kafka Connect'\""
)

# (line, exit code or None when it depends on the rest of the cluster, patterns the output must
# match, poll: repeat until they match because the data is still on its way)
STEPS: list[tuple[str, int | None, list[str], bool]] = [
    (
        "kconnect validate examples/tour/",
        0,
        [r"^2 connector\(s\) checked: 0 error\(s\), 0 warning\(s\)$"],
        False,
    ),
    ("kconnect plan examples/tour/", 0, [r"^Plan: 2 to create, 0 to update, 0 to delete, "], False),
    (
        "kconnect apply examples/tour/ --wait",
        0,
        [r"^Apply: 2 created, 0 updated, 0 deleted, 0 unchanged, 0 failed\.$"],
        False,
    ),
    (
        "kconnect get",
        0,
        [
            r"^tour-posts-file-sink +sink +RUNNING +1/1 ",
            r"^tour-posts-source +source +RUNNING +1/1 ",
        ],
        False,
    ),
    (
        "kconnect status",
        None,
        [
            r"^tour-posts-file-sink +sink +RUNNING +1/1 ",
            r"^tour-posts-source +source +RUNNING +1/1 ",
        ],
        False,
    ),
    (INSERT, 0, [], False),
    (
        f"tail -n 1 {SINK_FILE}",
        0,
        [r"^Struct\{post_id=\d+,author_id=1,content=Hello, Kafka Connect,"],
        True,
    ),
    (
        "echo '  transforms.unwrap.add.fields: table' >> examples/tour/posts-source.yaml",
        0,
        [],
        False,
    ),
    (
        "kconnect plan examples/tour/ --detailed-exitcode",
        2,
        [r"^~ update tour-posts-source$", r'^    \+ transforms\.unwrap\.add\.fields = "table"$'],
        False,
    ),
    (
        "kconnect apply examples/tour/ --wait",
        0,
        [r"^Apply: 0 created, 1 updated, 0 deleted, 1 unchanged, 0 failed\.$"],
        False,
    ),
    ("kconnect plan examples/tour/ --detailed-exitcode", 0, [r"^No changes\. "], False),
    (UPDATE, 0, [], False),
    (
        f"tail -n 1 {SINK_FILE}",
        0,
        [r"^Struct\{post_id=\d+,author_id=1,content=Edited,.*,__table=post\}$"],
        True,
    ),
    ("git checkout examples/tour/", 0, [], False),
    ("kconnect delete tour-posts-source tour-posts-file-sink --yes", 0, [], False),
]


def _tour_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## A five-minute tour", 1)[1].split("\n## ", 1)[0]
    lines: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for raw in re.sub(r"\s*\\\n\s*", " ", block).splitlines():
            line = re.sub(r"\s+#.*$", "", raw).strip()
            if line:
                lines.append(line)
    return lines


def test_the_steps_are_the_readme_tour() -> None:
    lines = _tour_lines()
    assert (lines[0], lines[-1]) == (UP, DOWN)
    assert lines[1:-1] == [step[0] for step in STEPS]


@pytest.fixture
def checkout(tmp_path: Path, real_stack: Stack) -> Iterator[Path]:
    """`examples/tour/` in a fresh git repository (the tour ends with `git checkout`)."""
    (tmp_path / "examples").mkdir()
    subprocess.run(
        ["cp", "-r", str(ROOT / "examples" / "tour"), str(tmp_path / "examples")], check=True
    )
    git = ["git", "-c", "user.name=tour", "-c", "user.email=tour@example.com"]
    for argv in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "tour"]):
        subprocess.run([*git, *argv], cwd=tmp_path, check=True)
    yield tmp_path
    for name in NAMES:  # also after a failure half-way
        httpx.delete(f"{real_stack.url}/connectors/{name}", timeout=60)


def test_the_readme_tour_runs_as_written(checkout: Path, real_stack: Stack, tmp_path: Path) -> None:
    sink_file = tmp_path / "posts.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KCONNECT_")}
    env.update(NO_COLOR="1", TERM="dumb", COLUMNS="200", KCONNECT_TOUR_FILE=str(sink_file))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    for line in export_lines(real_stack):  # what `eval "$(python -m tests.stack up …)"` sets
        name, _, value = line.removeprefix("export ").partition("=")
        [env[name]] = shlex.split(value)
    for line, code, needles, poll in STEPS:
        command = line.replace(SINK_FILE, str(sink_file))
        deadline = time.monotonic() + (60 if poll else 0)
        while True:
            done = subprocess.run(
                ["bash", "-c", command],
                check=False,
                cwd=checkout,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if (
                not poll
                or all(re.search(n, done.stdout, re.M) for n in needles)
                or time.monotonic() > deadline
            ):
                break
            time.sleep(0.5)
        shown = f"$ {line}\n{done.stdout}{done.stderr}"
        expected = code
        if expected is None:  # `status` covers the whole shared cluster: its exit code must agree
            healthy = all(" RUNNING " in row for row in done.stdout.splitlines()[1:])
            expected = 0 if healthy else 3
        assert done.returncode == expected, shown
        for needle in needles:
            assert re.search(needle, done.stdout, re.M), shown
    assert (checkout / "examples" / "tour" / "posts-source.yaml").read_text() == (
        ROOT / "examples" / "tour" / "posts-source.yaml"
    ).read_text()
