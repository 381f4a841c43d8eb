"""Shared fixtures: an in-process fake Connect worker, and a runner for the real CLI."""

from __future__ import annotations

import ast
import json
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.fakeconnect import FakeConnect


def pytest_configure(config: pytest.Config) -> None:
    # A shell starts a background job (`.ci/run &`, a CI runner's step) with SIGINT ignored,
    # and every child inherits that: a kconnect spawned by a test would then never see the
    # Ctrl-C the pseudo-terminal tests send. At a prompt the shell gives a command the
    # default handler, so give the test process Python's own (an exec'd child gets SIG_DFL).
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


if TYPE_CHECKING:
    from kconnect.manifests.model import Manifest

# The real-worker fixtures (`real_stack`) live with the stack that provides them.
pytest_plugins = (
    ["tests.stack.pytest_plugin"]
    if (Path(__file__).parent / "stack" / "pytest_plugin.py").exists()
    else []
)


def package_imports_of(module: str) -> list[str]:
    """`path:line` of each import of `module` (or a submodule) in the kconnect package that
    runs: those under `if TYPE_CHECKING:` do not count."""
    import kconnect

    package = Path(kconnect.__file__).parent

    def imports(tree: ast.AST) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        for node in ast.iter_child_nodes(tree):
            if isinstance(node, ast.Import):
                found += [(node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                found.append((node.lineno, node.module or ""))
            elif isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                found += [hit for child in node.orelse for hit in imports(child)]
            else:
                found += imports(node)
        return found

    return [
        f"{path.relative_to(package)}:{line}"
        for path in sorted(package.rglob("*.py"))
        for line, name in imports(ast.parse(path.read_text(encoding="utf-8")))
        if name.split(".")[0] == module
    ]


@pytest.fixture
def fake() -> Iterator[FakeConnect]:
    with FakeConnect() as server:
        yield server


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


CliRunner = Callable[..., CliResult]


@pytest.fixture
def no_kconnect_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of the caller's `KCONNECT_*` settings."""
    for name in list(os.environ):
        if name.startswith("KCONNECT_"):
            monkeypatch.delenv(name)


@pytest.fixture(params=["light", "httpx"])
def both_transports(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, no_kconnect_env: None
) -> str:
    """Runs the test once over each transport of the client: the light one kconnect picks for
    plain HTTP without a proxy, and httpx (`KCONNECT_HTTP_CLIENT=httpx`), which must behave
    the same. Use as `pytestmark = pytest.mark.usefixtures("both_transports")`."""
    if request.param == "httpx":
        monkeypatch.setenv("KCONNECT_HTTP_CLIENT", "httpx")
    return str(request.param)


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_kconnect_env: None
) -> CliRunner:
    """Run `kconnect ARGS` in-process, as a user would, and capture what it prints."""
    from kconnect.cli import run
    from kconnect.output.redaction import clear_secrets

    # Rich decides on colour from the terminal; tests compare plain text.
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("COLUMNS", "200")

    def invoke(
        *args: str, env: dict[str, str] | None = None, stdin: str | bytes | None = None
    ) -> CliResult:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        if stdin is not None:
            import io

            stream = (
                io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
                if isinstance(stdin, bytes)
                else io.StringIO(stdin)
            )
            monkeypatch.setattr("sys.stdin", stream)
        clear_secrets()
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


def subprocess_env(fake: FakeConnect, **extra: str) -> dict[str, str]:
    """The environment for `python -m kconnect` in a child process against `fake`: the
    caller's, without kconnect's settings or colour choices (but with the transport
    `both_transports` chose), with this checkout importable."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KCONNECT_", "NO_COLOR")) or k == "KCONNECT_HTTP_CLIENT"
    }
    env.pop("FORCE_COLOR", None)
    root = str(Path(__file__).resolve().parent.parent)
    return {**env, "PYTHONPATH": root, "KCONNECT_URL": fake.url, **extra}


def write_manifest(directory: Path, filename: str, text: str) -> Path:
    path = directory / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def env_of(fake: FakeConnect, **extra: str) -> dict[str, str]:
    """The environment for `cli` that points kconnect at `fake` (and sets `extra`)."""
    return {"KCONNECT_URL": fake.url, **extra}


def repository(tmp_path: Path, manifests: Mapping[str, str], project: str | None = None) -> Path:
    """A repository (`.git` at its root) with connectors.d/<name>.yaml for each of `manifests`
    and, when `project` is given, kconnect.yaml holding it; returns its connectors.d."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True, exist_ok=True)
    if project is not None:
        (repo / "kconnect.yaml").write_text(project, encoding="utf-8")
    for name, text in manifests.items():
        write_manifest(repo / "connectors.d", f"{name}.yaml", text)
    return repo / "connectors.d"


def located_manifest(config: dict[str, str]) -> Manifest:
    """Manifest `m` as the loader builds it from `m.yaml`: the name on line 2, then each
    config key on its own line, in order, from line 3."""
    from kconnect.manifests.model import Location, Manifest

    lines = {key: Location("m.yaml", i + 3) for i, key in enumerate(config)}
    return Manifest("m", config, location=Location("m.yaml", 2), key_locations=lines)


FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
MYSQL = "io.debezium.connector.mysql.MySqlConnector"
MARIADB = "io.debezium.connector.mariadb.MariaDbConnector"
ES = "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector"
# The export tests' `mydb-connector` as the worker holds it: its password is a canary that no
# output may show.
MYSQL_LIVE_WITH_CANARY = {
    "connector.class": MYSQL,
    "tasks.max": "1",
    "topic.prefix": "mingle",
    "database.hostname": "mysql",
    "database.user": "debezium",
    "database.password": "canary-S3cr3t-value",
    "database.server.id": "184054",
    "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
    "schema.history.internal.kafka.topic": "schema-changes.mydb",
}


def file_source_config(name: str, topic: str = "t") -> dict[str, str]:
    """The config of `file_source(name, topic=topic)`, as the worker holds it (for the fake)."""
    return {
        "connector.class": FILE_SOURCE,
        "tasks.max": "1",
        "topic": topic,
        "file": f"/tmp/{name}.txt",
    }


def file_source(name: str, *, topic: str = "t", state: str | None = None, extra: str = "") -> str:
    """A FileStreamSource manifest: the plugin every Connect worker ships."""
    lines = [
        f"name: {name}",
        *([f"state: {state}"] if state else []),
        "config:",
        f"  connector.class: {FILE_SOURCE}",
        "  tasks.max: 1",
        f"  topic: {topic}",
        f"  file: /tmp/{name}.txt",
    ]
    return "\n".join(lines) + "\n" + extra
