"""The pipeline's last leg for the test stack: the Confluent Elasticsearch sink, built from
`../shared/elasticsearch-sink`, and a real Elasticsearch server from Maven Central.

- `sink_source()` finds the sink's source folder (read-only; it is never built in place);
- `build_sink(mvn)` builds it from a copy with Maven and caches the plugin folder under
  `<stack cache>/es-sink/<content hash of the source>/plugins/`, which the workers then get in
  their `plugin.path`;
- `ElasticsearchNode` writes a private single-node config into the run dir, starts the server
  (pinned in pom.xml, unpacked from the cached zip into the run dir) as an unprivileged user in
  its own process group, and waits for `GET /_cluster/health`.

`../shared/...` is named relative to the repository root, as the brief asks; a git worktree
also finds it next to its main checkout. `KCONNECT_STACK_ES_SINK_SRC` overrides the folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import re
import shutil
import stat
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from tests.stack.stack import StackError, _say, _tail, _which, cache_root, run_maven

REPO = Path(__file__).resolve().parents[2]
SINK_SOURCE_ENV = "KCONNECT_STACK_ES_SINK_SRC"
SINK_RELATIVE = Path("..") / "shared" / "elasticsearch-sink"
SINK_CLASS = "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector"
ES_HEAP = os.environ.get("KCONNECT_STACK_ES_HEAP", "512m")
READY_TIMEOUT_ES = float(os.environ.get("KCONNECT_STACK_ES_TIMEOUT", "180"))
ES_USER = os.environ.get("KCONNECT_STACK_ES_USER", "nobody")


class SinkSourceMissing(StackError):
    """`../shared/elasticsearch-sink` is not there: ES tests skip, `up --elasticsearch` fails."""


def _main_checkout(repo: Path) -> Path | None:
    """The main checkout of a git worktree (`.git` is a file naming `<main>/.git/worktrees/x`)."""
    dot_git = repo / ".git"
    if not dot_git.is_file():
        return None
    m = re.match(r"gitdir:\s*(.+)", dot_git.read_text(errors="replace").strip())
    if not m:
        return None
    gitdir = Path(m.group(1))
    if not gitdir.is_absolute():
        gitdir = (repo / gitdir).resolve()
    common = gitdir / "commondir"
    if common.is_file():
        common_dir = (gitdir / common.read_text().strip()).resolve()
        return common_dir.parent
    return None


def sink_source_candidates() -> list[Path]:
    override = os.environ.get(SINK_SOURCE_ENV)
    if override:
        return [Path(override).expanduser()]
    found = [REPO / SINK_RELATIVE]
    main = _main_checkout(REPO)
    if main is not None:
        found.append(main / SINK_RELATIVE)
    return found


def sink_source() -> Path:
    """The sink's source folder, or SinkSourceMissing with a one-line reason."""
    tried = sink_source_candidates()
    for path in tried:
        if (path / "pom.xml").is_file():
            return path.resolve()
    shown = " or ".join(os.path.normpath(p) for p in tried)
    raise SinkSourceMissing(
        f"the Elasticsearch sink source ../shared/elasticsearch-sink is missing (no pom.xml in "
        f"{shown}); set {SINK_SOURCE_ENV} to its folder"
    )


def _source_files(src: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in ("target", ".git"))
        for name in sorted(filenames):
            yield Path(dirpath) / name


def content_hash(src: Path) -> str:
    """Hash of every file's relative path and bytes (build output excluded)."""
    digest = hashlib.sha256()
    for path in _source_files(src):
        digest.update(str(path.relative_to(src)).encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path`: stacks of several sessions build the same cache once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build_sink(mvn: str, *, log: Callable[[str], None] = _say) -> Path:
    """The folder to add to the workers' `plugin.path` (it holds the sink's plugin folder)."""
    src = sink_source()
    key = content_hash(src)
    root = cache_root() / "es-sink" / key
    plugins = root / "plugins"
    marker = root / ".complete"
    if marker.exists():
        return plugins
    with _locked(root.parent / f"{key}.lock"):
        if marker.exists():
            return plugins
        build = root / "build"
        shutil.rmtree(build, ignore_errors=True)
        shutil.rmtree(plugins, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
        # Build from a copy: the shared folder is read-only and must stay unchanged.
        shutil.copytree(src, build, ignore=shutil.ignore_patterns("target", ".git"))
        for path in [build, *build.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
        mvn_log = root / "maven.log"
        log(f"building the Elasticsearch sink from a copy of {src} (log: {mvn_log}) ...")
        t0 = time.monotonic()
        rc = run_maven([mvn, "-B", "-q", "package"], cwd=build, log_path=mvn_log)
        if rc != 0:
            raise StackError(
                f"building the Elasticsearch sink failed (exit {rc}); see {mvn_log}:\n{_tail(mvn_log)}"
            )
        packages = [
            p for p in (build / "target" / "components" / "packages").glob("*") if p.is_dir()
        ]
        if len(packages) != 1:
            raise StackError(
                f"the sink build left {len(packages)} plugin folders in "
                f"{build / 'target/components/packages'} (expected one); see {mvn_log}"
            )
        plugins.mkdir(parents=True)
        shutil.move(str(packages[0]), str(plugins / packages[0].name))
        shutil.rmtree(build, ignore_errors=True)
        marker.write_text(packages[0].name + "\n")
        log(
            f"Elasticsearch sink built in {time.monotonic() - t0:.0f}s: {plugins / packages[0].name}"
        )
    return plugins


def _unzip(archive: Path, dest: Path) -> Path:
    """Unpack keeping the executable bits (zipfile drops them); returns the top folder."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = dest / info.filename
            if not target.resolve().is_relative_to(dest.resolve()):
                raise StackError(f"{archive} holds a path outside its folder: {info.filename}")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out)
            mode = (info.external_attr >> 16) & 0o777
            target.chmod((mode or 0o644) | 0o444)
        tops = {Path(i.filename).parts[0] for i in zf.infolist()}
    if len(tops) != 1:
        raise StackError(f"{archive} has {len(tops)} top folders, expected one")
    return dest / tops.pop()


class ElasticsearchNode:
    """Files and process arguments of one single-node server in `<run dir>/elasticsearch`."""

    def __init__(self, run_dir: Path, artifacts: Path, java: str, port: int, transport: int):
        self.base = run_dir / "elasticsearch"
        self.artifacts = artifacts
        self.java_home = Path(os.path.realpath(java)).parent.parent
        self.port = port
        self.transport = transport

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self) -> tuple[list[str], dict[str, str]]:
        """Unpack the distribution, write config, data and log folders the server user owns;
        returns (argv, env)."""
        zips = sorted((self.artifacts / "elasticsearch").glob("elasticsearch-*.zip"))
        if not zips:
            raise StackError(
                f"no Elasticsearch zip in {self.artifacts / 'elasticsearch'}: "
                "tests/stack/pom.xml pins it; delete that cache folder to fetch again"
            )
        self.base.mkdir(parents=True, exist_ok=True)
        home = _unzip(zips[-1], self.base)
        conf, data, logs, tmp = (self.base / n for n in ("config", "data", "logs", "tmp"))
        shutil.copytree(home / "config", conf)
        for d in (data, logs, tmp):
            d.mkdir()
        options = (conf / "jvm.options").read_text()
        # The shipped options name logs/ and data/ relative to the distribution, which the
        # unprivileged server user cannot write: point them into the run dir.
        options = options.replace("file=logs/gc.log", f"file={logs}/gc.log")
        options = options.replace("-XX:ErrorFile=logs/", f"-XX:ErrorFile={logs}/")
        options = options.replace("-XX:HeapDumpPath=data", f"-XX:HeapDumpPath={data}")
        (conf / "jvm.options").write_text(options)
        (conf / "elasticsearch.yml").write_text(
            "\n".join(
                [
                    "cluster.name: kconnect-stack",
                    "node.name: kconnect-stack-es",
                    f"path.data: {data}",
                    f"path.logs: {logs}",
                    "discovery.type: single-node",
                    "network.host: 127.0.0.1",
                    f"http.port: {self.port}",
                    f"transport.port: {self.transport}",
                    "xpack.security.enabled: false",
                    "cluster.routing.allocation.disk.threshold_enabled: false",
                    "",
                ]
            )
        )
        env = {
            k: v for k, v in os.environ.items() if k not in ("JAVA_TOOL_OPTIONS", "ES_JAVA_OPTS")
        }
        env.update(
            ES_JAVA_HOME=str(self.java_home),
            ES_PATH_CONF=str(conf),
            ES_TMPDIR=str(tmp),
            ES_JAVA_OPTS=f"-Xms{ES_HEAP} -Xmx{ES_HEAP}",
        )
        # The launcher execs java with `-Des.path.home=<run dir>/...`: the detached stack's
        # `down` finds the run dir in the PID's command line before it signals it.
        argv = [str(home / "bin" / "elasticsearch")]
        if os.geteuid() == 0:
            # Elasticsearch refuses to run as root.
            setpriv = _which("setpriv")
            if not setpriv:
                raise StackError(
                    "Elasticsearch must run as an unprivileged user and `setpriv` (util-linux) "
                    "is not on PATH"
                )
            try:
                user = pwd.getpwnam(ES_USER)
            except KeyError:
                raise StackError(
                    f"no user {ES_USER!r} to run Elasticsearch as; set KCONNECT_STACK_ES_USER"
                ) from None
            for path in (self.base, conf, data, logs, tmp, *conf.rglob("*")):
                os.chown(path, user.pw_uid, user.pw_gid)
            # The server user must reach its folders through the (private) run dir.
            for parent in (self.base.parent, self.base):
                parent.chmod(parent.stat().st_mode | 0o711)
            env["HOME"] = str(self.base)
            argv = [
                setpriv,
                f"--reuid={user.pw_uid}",
                f"--regid={user.pw_gid}",
                "--clear-groups",
                *argv,
            ]
        return argv, env

    def wait_ready(self, alive: Callable[[], None], log_file: Path) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_ES
        last = ""
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < deadline:
                alive()
                try:
                    r = client.get(f"{self.url}/_cluster/health")
                    if r.status_code == 200 and r.json().get("status") in ("green", "yellow"):
                        return
                    last = f"{r.status_code} {r.text[:200]}"
                except httpx.HTTPError as e:
                    last = repr(e)
                time.sleep(0.5)
        raise StackError(
            f"Elasticsearch ({self.url}) not ready in {READY_TIMEOUT_ES:.0f}s (last: {last}); "
            f"see {log_file}:\n{_tail(log_file)}"
        )
