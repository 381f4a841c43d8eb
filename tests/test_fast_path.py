"""The fast path of `validate`, `plan`, `pause`, `resume` and `stop` (kconnect.cli.fast) is
the typer command, minus typer.

Its option table must say what the typer commands declare, and every command line must give
what the typer path gives: the same stdout, stderr and exit code, for good and bad input, every
output format, piped or styled. Each command line runs twice, as `kconnect` (the fast path
where it understands the line) and with the fast path switched off inside the test's probe.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from kconnect.cli.fast import OPTIONS, STATE_COMMANDS, Opt, _default, parse
from tests.fakeconnect import FakeConnect
from tests.terminal import Terminal

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"

# Runs the real entry point with the fast path on or off; reports whether typer was imported
# (at exit: `main()` ends the process itself, after the atexit functions).
_PROBE = """
import atexit, json, sys
report, fast = sys.argv.pop(1), sys.argv.pop(1)
if fast == "off":
    import kconnect.cli.fast
    kconnect.cli.fast.fast_run = lambda args: None


@atexit.register
def _report():
    with open(report, "w") as out:
        roots = {m.split(".")[0] for m in sys.modules}
        json.dump({"typer": bool(roots & {"typer", "click"}), "rich": "rich" in roots}, out)


from kconnect.cli import main
main()
"""


def _click_command(name: str) -> Any:
    from kconnect.cli.app import build_app

    group = build_app([name])
    return group.commands[name]


def _value(default: Any) -> Any:
    return default.value if isinstance(default, Enum) else default


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_the_table_says_what_the_typer_command_declares(name: str) -> None:
    params = {p.name: p for p in _click_command(name).params}
    for opt in OPTIONS[name]:
        param = params[opt.param]
        assert set(opt.flags) == set(param.opts) | set(param.secondary_opts), opt
        assert _value(param.default) == _value(_default(opt)), opt
        assert (opt.kind == "count") == bool(getattr(param, "count", False)), opt
        assert (opt.kind == "flag") == (bool(param.is_flag) and not param.count), opt
        assert (opt.kind == "many") == bool(param.multiple), opt
        if opt.kind == "choice":
            assert opt.choices is not None
            assert list(param.type.choices) == [c.value for c in opt.choices], opt
        if opt.kind == "int":
            assert (param.type.min, param.type.max) == (opt.low, opt.high), opt
        if opt.kind == "number":  # typer's parser (common.finite) takes what the table takes
            assert opt.low is not None and opt.high is None
            param.type.convert(str(opt.low), param, None)
            with pytest.raises(Exception, match="out of range"):
                param.type.convert(str(opt.low - 0.5), param, None)
    arguments = [p for p in params.values() if p.param_type_name == "argument"]
    argument = "names" if name in STATE_COMMANDS else "paths"
    assert [(a.name, a.required) for a in arguments] == [(argument, argument == "paths")]


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],  # the missing argument is typer's to name
        ["validate", "a.yaml", "--bogus"],
        ["validate", "a.yaml", "--help"],
        ["validate", "-h"],
        ["validate", "a.yaml", "-o"],
        ["validate", "a.yaml", "-o", "yaml"],
        ["validate", "a.yaml", "--strict", "--strict"],
        ["validate", "a.yaml", "--strict=yes"],
        ["validate", "a.yaml", "-o", "json", "-o", "text"],
        ["validate", "--", "a.yaml"],
        ["validate", "a.yaml", "--url", "http://x"],  # offline validate ignores --url: typer's
        ["--version", "validate", "a.yaml"],
        ["plan", "a.yaml", "--max-deletes", "3"],
        ["plan", "a.yaml", "--insecure"],
        ["plan", "a.yaml", "--owns", "-x"],
        ["plan", "a.yaml", "--url", ""],
        ["plan", "a.yaml", "-vx"],
        ["status"],
        ["pause", "a", "--concurrency", "0"],
        ["pause", "a", "--concurrency", "65"],
        ["pause", "a", "--concurrency", "+5"],
        ["pause", "a", "--concurrency", "1_0"],
        ["resume", "a", "--timeout", "nan"],
        ["resume", "a", "--timeout", "-1"],
        ["resume", "a", "--timeout", "inf"],
        ["resume", "a", "--timeout", "soon"],
        ["stop", "a", "--wait", "--wait"],
        ["stop", "a", "--insecure"],
        ["pause", "a", "--yes"],
        ["pause", "--", "-a"],
        ["pause", ".."],
        ["pause", "a", " b"],
        ["pause", "a", "--help"],
    ],
)
def test_what_the_fast_path_leaves_to_typer(args: list[str]) -> None:
    assert parse(args) is None


def test_what_the_fast_path_reads() -> None:
    parsed = parse(["plan", "-ojson", "a.yaml", "--owns=t-*", "--owns", "u-*", "-vv", "-", "-v"])
    assert parsed is not None
    command, paths, options = parsed
    assert (command, paths) == ("plan", ["a.yaml", "-"])
    assert options["owns"] == ["t-*", "u-*"]
    assert options["verbose"] == 3
    assert options["output"].value == "json"
    assert options["prune"] is False and options["target"] is None


def test_what_the_fast_path_reads_of_a_state_change() -> None:
    parsed = parse(["stop", "a", "--match", "b*", "--timeout=1.5", "--concurrency", "08", "b"])
    assert parsed is not None
    command, names, options = parsed
    assert (command, names) == ("stop", ["a", "b"])
    assert options["match"] == ["b*"] and options["owns"] is None
    assert (options["timeout"], options["concurrency"], options["wait"]) == (1.5, 8, False)
    assert parse(["pause"]) == (
        "pause",
        [],
        {**{o.param: _default(o) for o in OPTIONS["pause"]}},
    )  # no name: the body's usage error, the same on both paths
    assert _default(next(o for o in OPTIONS["pause"] if o.param == "timeout")) == 60.0


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeConnect]:
    with FakeConnect() as running:
        running.add_connector(
            "existing", {"connector.class": SOURCE, "topic": "old", "file": "/tmp/e"}
        )
        running.add_connector("other", {"connector.class": SOURCE, "topic": "o", "file": "/tmp/o"})
        for name in ("team-a", "team-b", "else-c"):
            running.add_connector(name, {"connector.class": SOURCE, "topic": name, "file": "/x"})
        yield running


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fast")
    good = f"config:\n  connector.class: {SOURCE}\n  tasks.max: 1\n  topic: lines\n"
    (root / "one.yaml").write_text(f"name: one\n{good}  file: /tmp/one.txt\n")
    (root / "existing.yaml").write_text(f"name: existing\n{good}  file: /tmp/e\n")
    (root / "secret.yaml").write_text(
        f"name: sec\n{good}  file: /tmp/s\n  password: ${{PW}}\n  batch.size: nope-hunter2\n"
    )
    (root / "bad.yaml").write_text("name: bad\nconfig:\n  tasks.max: -3\n")
    (root / "broken.yaml").write_text("name: [unclosed\nconfig: {\n")
    (root / "odd.yaml").write_text(
        f'name: "odd\\x1b]0;title\\x07\\tname\\u202e"\n{good}  file: /tmp/odd\n'
    )
    (root / "warn.yaml").write_text(
        f"name: warn\n{good}  file: /tmp/w\n  unknown.setting.here: 1\n"
    )
    (root / "dir").mkdir()
    (root / "dir" / "a.yaml").write_text(f"name: a\n{good}  file: /tmp/a\n")
    (root / "dir" / "b.yml").write_text(f"name: b\n{good}  file: /tmp/b\n")
    (root / "vars.env").write_text("PW=hunter2\n")
    return root


VALIDATE = [
    ["validate", "one.yaml"],
    ["validate", "one.yaml", "-o", "json"],
    ["validate", "-ojson", "one.yaml", "dir"],
    ["validate", "--output=json", "bad.yaml"],
    ["validate", "bad.yaml"],
    ["validate", "broken.yaml"],
    ["validate", "broken.yaml", "-o", "json"],
    ["validate", "missing.yaml"],
    ["validate", "odd.yaml"],
    ["validate", "warn.yaml", "one.yaml"],
    ["validate", "warn.yaml", "--strict"],
    ["validate", "secret.yaml", "--env-file", "vars.env"],
    ["validate", "secret.yaml"],
    ["validate", "dir", "--owns", "a*"],
    ["validate", "-"],
    ["validate", "one.yaml", "--catalog", "nowhere"],
    ["validate", "one.yaml", "-o", "yaml"],  # typer's usage error, both times
    ["validate"],
]
PLAN = [
    ["plan", "one.yaml"],
    ["diff", "one.yaml", "existing.yaml", "-o", "json"],
    ["plan", "one.yaml", "existing.yaml", "-o", "markdown"],
    ["plan", "dir", "--detailed-exitcode"],
    ["plan", "existing.yaml", "--detailed-exitcode"],
    ["plan", "one.yaml", "--prune", "--owns", "o*"],
    ["plan", "one.yaml", "--prune"],
    ["plan", "dir", "--target", "a", "-v"],
    ["plan", "dir", "--target", "zz"],
    ["plan", "bad.yaml"],
    ["plan", "broken.yaml", "-o", "json"],
    ["plan", "secret.yaml", "--env-file", "vars.env", "-vv"],
    ["plan", "odd.yaml"],
    ["plan", "one.yaml", "--context", "nowhere"],
    ["plan", "one.yaml", "--url", "http://127.0.0.1:9"],
    ["plan", "one.yaml", "--url", "http://127.0.0.1:9", "-o", "json"],
    ["plan", "one.yaml", "--max-deletes", "1"],  # typer's own, both times
]
# Each runs twice (fast, then typer) against the same worker: pausing what is paused is a no-op.
# Text output of several writes at one at a time: the progress lines come in the order done.
STATE = [
    ["pause", "existing"],
    ["pause", "existing", "other", "-o", "json"],
    ["resume", "existing", "other", "--concurrency", "1"],
    ["resume", "existing", "existing", "-v"],
    ["stop", "other", "--concurrency", "1"],
    ["resume", "other", "--wait", "--timeout", "5"],
    ["pause", "existing", "missing", "--concurrency", "1"],
    ["pause", "missing", "-o", "json"],
    ["pause", "--match", "team-*", "--concurrency", "1"],
    ["resume", "--match", "team-*", "-o", "json"],
    ["pause", "--match", "*", "--owns", "team-*", "else-c", "--concurrency=1"],
    ["pause", "existing", "--owns", "team-*"],
    ["resume", "--match", "nothing-*"],
    ["resume", "--match", "*", "--owns", "team-*", "--wait", "--timeout=5", "-ojson"],
    ["pause"],
    ["pause", "-o", "json"],
    ["pause", "existing", "--url", "http://127.0.0.1:9"],
    ["stop", "existing", "--url", "http://127.0.0.1:9", "-o", "json"],
    ["pause", "existing", "--context", "nowhere"],
    ["pause", "odd\x1b]0;t\x07"],  # a control character: typer's usage error, both times
    ["pause", "existing", "--concurrency", "0"],  # typer's own, both times
    ["resume", "existing", "--timeout", "nan"],
]
# A terminal's styles, by rich's rules, and no colour.
STYLES = [{}, {"FORCE_COLOR": "1"}, {"NO_COLOR": "1"}, {"FORCE_COLOR": "1", "NO_COLOR": "1"}]


def _run(args: list[str], fast: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str, bool]:
    report = cwd / f"probe-{fast}.json"
    stdin = (cwd / "one.yaml").read_text() if "-" in args else ""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(report), fast, *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    typer = json.loads(report.read_text())["typer"]
    return done.returncode, done.stdout, done.stderr, typer


def _env(extra: dict[str, str]) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KCONNECT_") and k not in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE")
    }
    return {**base, "KCONNECT_CONFIG": "/nonexistent/kconnect-config.yaml", **extra}


# The times a --wait reports (progress lines, the JSON's elapsed seconds) differ run to run.
_ELAPSED = re.compile(r'\(\d+\.\d+s\)|"elapsed_seconds": [\d.]+')


def _same_both_ways(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    fast = _run(args, "on", cwd, env)
    full = _run(args, "off", cwd, env)
    assert full[3], "the probe's typer run used typer"
    if "--wait" in args:
        fast, full = [
            (c, _ELAPSED.sub("T", o), _ELAPSED.sub("T", e), t) for c, o, e, t in (fast, full)
        ]
    assert fast[:3] == full[:3]
    assert fast[3] == (parse(args) is None), "the fast path ran what it understands"


@pytest.mark.parametrize("style", STYLES, ids=lambda s: ",".join(s) or "piped")
@pytest.mark.parametrize("args", VALIDATE, ids=" ".join)
def test_validate_prints_what_typer_prints(
    args: list[str], style: dict[str, str], files: Path
) -> None:
    _same_both_ways(args, files, _env(style))


@pytest.mark.parametrize("style", STYLES[:2], ids=lambda s: ",".join(s) or "piped")
@pytest.mark.parametrize("args", PLAN + STATE, ids=" ".join)
def test_plan_and_state_changes_print_what_typer_prints(
    args: list[str], style: dict[str, str], files: Path, fake: FakeConnect
) -> None:
    env = _env({"KCONNECT_URL": fake.url, "KCONNECT_UNREACHABLE_TIMEOUT": "0.1", **style})
    _same_both_ways(args, files, env)


def test_a_state_change_sends_the_same_requests_both_ways(files: Path, fake: FakeConnect) -> None:
    env = _env({"KCONNECT_URL": fake.url})
    sent = []
    for fast in ("on", "off"):
        fake.requests.clear()
        code, _out, _err, typer = _run(["pause", "team-a", "team-b", "other"], fast, files, env)
        assert (code, typer) == (0, fast == "off")
        sent.append(sorted((r.method, r.path) for r in fake.requests))
    assert (
        sent[0]
        == sent[1]
        == [("PUT", f"/connectors/{name}/pause") for name in ("other", "team-a", "team-b")]
    )


@pytest.mark.parametrize("args", [["pause", "team-a", "team-b"], ["resume", "--match", "team-*"]])
def test_a_piped_state_change_of_many_loads_neither_typer_nor_rich(
    args: list[str], files: Path, fake: FakeConnect
) -> None:
    # Its progress lines and results, written as rich would write them, without rich.
    code, out, err, _typer = _run(args, "on", files, _env({"KCONNECT_URL": fake.url}))
    assert code == 0
    assert "Writing 2 connector(s)…" in err
    assert out.count("✓ ") == 2
    report = json.loads((files / "probe-on.json").read_text())
    assert report == {"typer": False, "rich": False}


def test_plan_out_writes_the_same_plan_file(files: Path, fake: FakeConnect) -> None:
    env = _env({"KCONNECT_URL": fake.url})
    for fast in ("on", "off"):
        code, _out, err, _typer = _run(
            ["plan", "one.yaml", "--out", f"saved-{fast}.json"], fast, files, env
        )
        assert (code, err) == (0, "")
    saved = [json.loads((files / f"saved-{f}.json").read_text()) for f in ("on", "off")]
    for doc in saved:  # what the salt and the clock make differ
        for key in ("salt", "created_at", "checksum"):
            doc.pop(key)
        for change in doc["changes"]:
            change.pop("desired")
            change.pop("live")
    assert saved[0] == saved[1]


def test_every_option_kind_is_known() -> None:
    kinds = {opt.kind for opts in OPTIONS.values() for opt in opts}
    assert kinds <= {"flag", "count", "text", "path", "many", "choice", "int", "number"}
    assert all(isinstance(o, Opt) for opts in OPTIONS.values() for o in opts)


def _run_at_a_terminal(
    args: list[str], fast: str, cwd: Path, env: dict[str, str]
) -> tuple[int, bytes, dict[str, bool]]:
    """`args` in a pseudo-terminal, as at a prompt: its exit code, everything it wrote there,
    and whether it imported typer and rich."""
    report = cwd / f"probe-tty-{fast}.json"
    argv = [sys.executable, "-c", _PROBE, str(report), fast, *args]
    with Terminal(argv, env, cwd=str(cwd)) as terminal:
        code = terminal.wait_exit()
        return code, bytes(terminal.raw), json.loads(report.read_text())


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "one.yaml"],
        ["validate", "bad.yaml", "warn.yaml"],
        ["plan", "dir"],
        ["pause", "existing"],
        ["resume", "missing"],
    ],
)
def test_at_a_terminal_the_colours_are_typers_and_rich_stays_out(
    args: list[str], files: Path, fake: FakeConnect
) -> None:
    env = _env({"KCONNECT_URL": fake.url})
    fast = _run_at_a_terminal(args, "on", files, env)
    full = _run_at_a_terminal(args, "off", files, env)
    assert fast[:2] == full[:2]
    assert b"\x1b[" in fast[1]  # styled, as rich styles a terminal
    assert fast[2] == {"typer": False, "rich": False}
    assert full[2]["typer"]
