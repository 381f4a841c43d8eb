"""Start-up is a feature: what each kind of command line imports, and the typer-free root help.

The figures are in bench/startup.py; these tests hold the structure that makes them possible:
the root help without typer, offline commands without an HTTP library, and no module of the
HTTP stack that kconnect never uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kconnect.cli.root_help import root_help, short_help

if TYPE_CHECKING:
    from tests.fakeconnect import FakeConnect

# Runs the real entry point, then reports which modules the command line imported (at exit:
# `main()` ends the process itself, after the atexit functions).
_PROBE = """
import atexit, json, sys
from kconnect.cli import main
report = sys.argv.pop(1)


@atexit.register
def _report():
    with open(report, "w") as out:
        json.dump(sorted(m for m, v in sys.modules.items() if v), out)


main()
"""


def _imported(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, set[str]]:
    report = tmp_path / "modules.json"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KCONNECT_")}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(report), *args],
        env={**full_env, **(env or {})},
        capture_output=True,
        check=False,
    )
    return done.returncode, set(json.loads(report.read_text()))


def _typer_help(width: int) -> str:
    from kconnect.cli.app import build_app

    command = build_app(["--help"])
    ctx = command.make_context("kconnect", ["--version"], resilient_parsing=True)
    ctx.terminal_width = width
    return str(command.get_help(ctx))


@pytest.mark.parametrize("width", [50, 58, 78, 100, 140])
def test_root_help_is_the_page_click_writes(width: int) -> None:
    assert root_help(width) == _typer_help(width)


@pytest.mark.parametrize("columns", ["40", "60", "200"])
def test_kconnect_help_prints_the_root_page_for_the_terminal_width(columns: str) -> None:
    env = {**os.environ, "COLUMNS": columns}
    done = subprocess.run(
        [sys.executable, "-m", "kconnect", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout == _typer_help(max(min(int(columns), 80) - 2, 50)) + "\n"
    bare = subprocess.run(
        [sys.executable, "-m", "kconnect"], env=env, capture_output=True, text=True, check=False
    )
    assert (bare.returncode, bare.stdout, bare.stderr) == (64, "", done.stdout)


@pytest.mark.parametrize("limit", [5, 10, 14, 20, 40, 45, 80])
@pytest.mark.parametrize(
    "text",
    [
        "Alias of plan.",
        "Resume paused or stopped connectors.",
        "One two. Three four.",
        "First paragraph\n\nsecond",
        "Restart connectors, their tasks (--include-tasks, --failed-only) or one task (--task).",
    ],
)
def test_short_help_cuts_as_click_does(text: str, limit: int) -> None:
    from typer._click.utils import make_default_short_help

    assert short_help(text, limit) == make_default_short_help(text, limit)


def test_root_help_imports_no_typer(tmp_path: Path) -> None:
    code, modules = _imported(tmp_path, "--help")
    assert code == 0
    assert not {m for m in modules if m.split(".")[0] in ("typer", "click", "rich")}


# One plain YAML manifest of the plugin every worker ships: `_ONE_HEAD`, then its file.
_ONE_HEAD = "name: one\nconfig:\n  connector.class: FileStreamSource\n  topic: t\n"
_ONE_MANIFEST = f"{_ONE_HEAD}  file: /tmp/x\n"


def _validated(tmp_path: Path, filename: str, text: str, *args: str) -> set[str]:
    """The modules `validate` of one manifest (`filename` holding `text`) imports; it must
    exit 0."""
    manifest = tmp_path / filename
    manifest.write_text(text)
    code, modules = _imported(tmp_path, "validate", str(manifest), *args)
    assert code == 0
    return modules


def test_offline_validate_imports_no_http_library(tmp_path: Path) -> None:
    modules = _validated(tmp_path, "one.yaml", _ONE_MANIFEST)
    roots = {m.split(".")[0] for m in modules}
    assert not roots & {"httpx", "httpcore", "h11", "anyio", "trio", "ssl", "jsonschema"}
    assert "kconnect.api.client" not in modules


# The HTTP stack kconnect's light transport replaces for plain http:// without a proxy.
_HTTPX_STACK = {"httpx", "httpcore", "h11", "anyio", "certifi", "tenacity", "ssl", "email"}


def test_a_plain_http_plan_imports_no_httpx_nor_tls_nor_retry_library(tmp_path: Path) -> None:
    from tests.fakeconnect import FakeConnect

    manifest = tmp_path / "one.yaml"
    manifest.write_text(
        "name: one\nconfig:\n  connector.class: FileStreamSource\n  topic: t\n  file: /tmp/x\n"
    )
    # What the interpreter imports before kconnect runs (a `.pth` file of site-packages may
    # import certifi, say) is not kconnect's doing.
    bare = subprocess.run(
        [sys.executable, "-c", "import sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    at_start = set(json.loads(bare.stdout))
    with FakeConnect() as fake:
        code, modules = _imported(tmp_path, "plan", str(manifest), env={"KCONNECT_URL": fake.url})
        assert code == 0
        assert not {m.split(".")[0] for m in modules - at_start} & _HTTPX_STACK
        assert "kconnect.api.light" in modules
        # KCONNECT_HTTP_CLIENT=httpx sends plain HTTP through httpx too.
        code, modules = _imported(
            tmp_path,
            "plan",
            str(manifest),
            env={"KCONNECT_URL": fake.url, "KCONNECT_HTTP_CLIENT": "httpx"},
        )
        assert code == 0
        assert "httpx" in modules and "kconnect.api.light" not in modules


def test_an_https_command_goes_through_httpx(tmp_path: Path) -> None:
    import ssl

    import trustme

    from tests.fakeconnect import FakeConnect

    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with FakeConnect(tls=context) as fake:
        fake.add_connector("one", {"connector.class": "FileStreamSource", "topic": "t"})
        env = {"KCONNECT_URL": fake.url, "KCONNECT_CA_CERT": str(bundle)}
        code, modules = _imported(tmp_path, "get", env=env)
    assert code == 0
    assert {"httpx", "httpcore", "ssl"} <= modules
    assert "kconnect.api.light" not in modules


def test_a_command_that_talks_to_the_worker_skips_what_the_http_stack_never_uses(
    tmp_path: Path,
) -> None:
    # A closed port: the command fails, having built its client and tried to connect.
    code, modules = _imported(
        tmp_path,
        "status",
        env={
            "KCONNECT_URL": "http://127.0.0.1:9",
            "KCONNECT_UNREACHABLE_TIMEOUT": "0.1",
            "KCONNECT_HTTP_CLIENT": "httpx",
        },
    )
    assert code == 1
    assert "httpx" in modules and "httpcore" in modules
    assert not {m for m in modules if m.split(".")[0] in ("trio", "anyio")}
    assert "httpx._main" not in modules


def test_piped_validate_and_plan_import_neither_typer_nor_rich(tmp_path: Path) -> None:
    from tests.fakeconnect import FakeConnect

    manifest = tmp_path / "one.yaml"
    manifest.write_text(_ONE_MANIFEST)
    heavy = {"typer", "click", "rich", "jsonschema", "pygments", "markdown_it"}
    for args in (["validate", str(manifest)], ["validate", str(manifest), "-o", "json"]):
        code, modules = _imported(tmp_path, *args)
        assert code == 0
        assert not {m.split(".")[0] for m in modules} & (heavy | {"httpx", "httpcore"}), args
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [\n")
    code, modules = _imported(tmp_path, "validate", str(broken))
    assert code == 1
    assert not {m.split(".")[0] for m in modules} & heavy
    with FakeConnect() as fake:
        for args in (["plan", str(manifest)], ["plan", str(manifest), "-o", "markdown"]):
            code, modules = _imported(tmp_path, *args, env={"KCONNECT_URL": fake.url})
            assert code == 0
            assert not {m.split(".")[0] for m in modules} & heavy, args


def test_validate_plan_diff_pause_and_resume_import_neither_dataclasses_nor_inspect(
    tmp_path: Path,
) -> None:
    # The package's records (kconnect.records) stand in for dataclasses, whose import pulls in
    # inspect, ast, dis and tokenize (≈ 7 ms); nothing on these commands' paths (plain http://
    # to the worker) may bring either back.
    from tests.fakeconnect import FakeConnect

    manifest = tmp_path / "one.yaml"
    manifest.write_text(_ONE_MANIFEST)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [\n")
    with FakeConnect() as fake:
        fake.add_connector("two", {"connector.class": "FileStreamSource", "topic": "t"})
        for args, expected in (
            (["validate", str(manifest)], 0),
            (["validate", str(manifest), "-o", "json"], 0),
            (["validate", str(broken)], 1),
            (["plan", str(manifest)], 0),
            (["diff", str(manifest), "-o", "json"], 0),
            (["pause", "two"], 0),
            (["resume", "two"], 0),
        ):
            code, modules = _imported(tmp_path, *args, env={"KCONNECT_URL": fake.url})
            assert code == expected, args
            assert not {m.split(".")[0] for m in modules} & {"dataclasses", "inspect"}, args


# What the piped `validate` of one plain YAML manifest must not import: readers of other
# formats, lint rules for classes it does not use, and what only plan and apply need.
_NOT_FOR_ONE_YAML_MANIFEST = {
    "kconnect.manifests.strimzi",
    "kconnect.manifests.formats",
    "kconnect.planning.impact",
    "kconnect.planning.plan",
    "kconnect.planning.apply",
    "kconnect.progress",
    "kconnect.validate.lint.topics",
    "kconnect.validate.lint.elasticsearch",
    "kconnect.validate.lint.regex",
    "kconnect.manifests.interpolate",
}


def test_piped_validate_of_one_yaml_manifest_defers_what_it_does_not_use(tmp_path: Path) -> None:
    assert not _validated(tmp_path, "one.yaml", _ONE_MANIFEST) & _NOT_FOR_ONE_YAML_MANIFEST


@pytest.mark.parametrize(
    ("manifest", "text", "env_file", "needed"),
    [
        pytest.param(
            "one.yaml",
            "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaConnector\nmetadata:\n  name: one\n"
            "  labels:\n    strimzi.io/cluster: c\nspec:\n  class: FileStreamSource\n"
            "  tasksMax: 1\n  config:\n    topic: t\n    file: /tmp/x\n",
            None,
            {"kconnect.manifests.strimzi"},
            id="strimzi",
        ),
        pytest.param(
            "variable.yaml",
            f"{_ONE_HEAD}  file: ${{LINES_FILE:-/tmp/x}}\n",
            None,
            {"kconnect.manifests.interpolate"},
            id="variable",
        ),
        pytest.param(
            "plain.yaml",
            _ONE_MANIFEST,
            "LINES_FILE=/tmp/y\n",
            {"kconnect.manifests.interpolate"},
            id="env-file",
        ),
        pytest.param(
            "es.json",
            '{"name": "es", "config": {"connector.class": '
            '"io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", "topics": "t", '
            '"connection.url": "http://es:9200"}}',
            None,
            {
                "kconnect.manifests.formats",
                "kconnect.validate.lint.topics",
                "kconnect.validate.lint.elasticsearch",
            },
            id="json",
        ),
    ],
)
def test_validate_still_loads_each_deferred_reader_and_rule_when_the_manifests_need_it(
    tmp_path: Path, manifest: str, text: str, env_file: str | None, needed: set[str]
) -> None:
    # The same probe sees the deferred modules once the input asks for them.
    args: list[str] = []
    if env_file is not None:
        (tmp_path / "vars.env").write_text(env_file)
        args = ["--env-file", str(tmp_path / "vars.env")]
    assert needed <= _validated(tmp_path, manifest, text, *args)


def _exit_in_a_child(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )


def test_the_program_exits_with_its_code_after_the_atexit_functions_and_a_flush() -> None:
    done = _exit_in_a_child(
        "import atexit, sys\n"
        "from kconnect.cli import _exit\n"
        "atexit.register(lambda: print('atexit ran', file=sys.stderr))\n"
        "sys.stdout.write('no newline, still buffered')\n"
        "_exit(3)\n"
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        3,
        "no newline, still buffered",
        "atexit ran\n",
    )


def test_the_program_waits_for_a_thread_that_is_not_a_daemon(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    done = _exit_in_a_child(
        "import threading, time\n"
        "from pathlib import Path\n"
        "from kconnect.cli import _exit\n"
        f"work = lambda: (time.sleep(0.3), Path({str(marker)!r}).write_text('done'))\n"
        "threading.Thread(target=work).start()\n"
        "_exit(1)\n"
    )
    assert done.returncode == 1
    assert marker.read_text() == "done"


def test_a_stream_closed_before_the_start_keeps_the_exit_code(tmp_path: Path) -> None:
    # `kconnect validate ... 2>&-` in a cron job: sys.stderr is None, and a clean validation
    # still exits 0 with its summary on stdout.
    manifest = tmp_path / "a.yaml"
    manifest.write_text(_ONE_MANIFEST)
    done = subprocess.run(
        ["/bin/sh", "-c", 'exec "$0" -m kconnect validate "$1" 2>&-', sys.executable, manifest],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (
        0,
        "1 connector(s) checked: 0 error(s), 0 warning(s)\n",
    )


@pytest.mark.parametrize(
    "stdout",
    ["/dev/full", "closed"],
)
@pytest.mark.parametrize("command", ["validate", "plan", "status"])
def test_output_that_cannot_be_written_is_an_error_never_a_traceback(
    tmp_path: Path, fake: FakeConnect, command: str, stdout: str
) -> None:
    # A full disk loses the report: exit 1 and say so on stderr. A stdout closed before the
    # start (`>&-`) is a choice: nothing is written and the exit code is the command's own.
    manifest = tmp_path / "a.yaml"
    manifest.write_text(_ONE_MANIFEST)
    args = [] if command == "status" else [str(manifest)]
    redirect = "> /dev/full" if stdout == "/dev/full" else ">&-"
    done = subprocess.run(
        ["/bin/sh", "-c", f'exec "$0" -m kconnect "$@" {redirect}', sys.executable, command, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, "KCONNECT_URL": fake.url},
    )
    if stdout == "closed":
        assert (done.returncode, done.stderr) == (0, "")
    else:
        assert done.returncode == 1
        assert "cannot write to stdout: No space left on device" in done.stderr
        assert "Traceback" not in done.stderr


def test_a_closed_stdout_is_reported_as_python_reports_it() -> None:
    # `kconnect ... | head -0`: the flush fails; Python's own exit says so, with its code 120.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys\n"
            "from kconnect.cli import _exit\n"
            "r, w = os.pipe(); os.close(r)\n"
            "sys.stdout = open(w, 'w')\n"
            "sys.stdout.write('lost')\n"
            "_exit(0)\n",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 120
    assert "BrokenPipeError" in done.stderr
