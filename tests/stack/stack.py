"""A real Kafka + Kafka Connect + MariaDB stack on loopback, without Docker.

`Stack().start()`:

1. checks that `java` (17+) and `mvn` are on PATH;
2. resolves the pinned jars and Debezium plugin archives of `pom.xml` into a cache folder
   (`$KCONNECT_STACK_CACHE`, default `~/.cache/kconnect-stack/<hash of pom.xml>`); a complete
   cache skips Maven entirely;
3. installs MariaDB from Debian packages when no `mariadbd`/`mysqld` exists (root only) and starts
   a private instance (own datadir, socket and port) with the binlog settings Debezium needs,
   database `mydb`, table `post` and user `debezium`/`dbz`;
4. formats and starts a single-node KRaft broker (combined broker+controller);
5. starts two Connect workers in distributed mode (same group, different REST ports);
6. with `elasticsearch=True`: builds the Confluent Elasticsearch sink from a copy of
   `../shared/elasticsearch-sink` into the workers' plugin path and starts a single-node
   Elasticsearch server (tests/stack/elasticsearch.py).

Every process is started in its own process group and is stopped by its PID (SIGTERM to the
group, then SIGKILL) on `stop()`, at interpreter exit, and when `start()` fails. Logs go to
`stack.log_dir`; every failure message names the log to read.

Indices of workers (`worker_pid(i)`, `kill_worker(i)`, `start_worker(i)`) are 0-based and match
`stack.urls[i]`; `stack.url` is `stack.urls[0]`.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"

JAVA_MIN_MAJOR = 17
DEFAULT_HEAP = "512m"

BROKER_MAIN = "kafka.Kafka"
STORAGE_TOOL_MAIN = "kafka.tools.StorageTool"
CONNECT_MAIN = "org.apache.kafka.connect.cli.ConnectDistributed"
CONSOLE_CONSUMER_MAIN = "org.apache.kafka.tools.consumer.ConsoleConsumer"
TOPIC_COMMAND_MAIN = "org.apache.kafka.tools.TopicCommand"

CONNECT_GROUP_ID = "kconnect-stack"
CONFIG_TOPIC = "kconnect-stack-configs"
OFFSET_TOPIC = "kconnect-stack-offsets"
STATUS_TOPIC = "kconnect-stack-status"

# Environment variables set on the Connect workers, for `${env:...}` references in manifests.
DB_PASSWORD_ENV = "KCONNECT_STACK_DB_PASSWORD"
DB_WRONG_PASSWORD_ENV = "KCONNECT_STACK_DB_PASSWORD_WRONG"
# The name connectors.d/mydb-connector.yaml (and the compose stack) uses.
COMPOSE_DB_PASSWORD_ENV = "MYSQL_DEBEZIUM_PASSWORD"

# The schema and rows the compose stack's MySQL starts with; the stack's MariaDB runs it too.
INIT_SQL = HERE.parents[1] / "docker" / "mysql" / "init.sql"
# An account that may write mydb.post (the connector's `debezium` user only reads).
DB_WRITER = "kconnect_writer"
DB_WRITER_PASSWORD = "writer-pw"

DB_NAME = "mydb"
DB_USER = "debezium"
DB_PASSWORD = "dbz"
DB_SERVER_ID = 1  # MariaDB's own server_id; connectors must use other database.server.id values

READY_TIMEOUT_BROKER = float(os.environ.get("KCONNECT_STACK_BROKER_TIMEOUT", "180"))
READY_TIMEOUT_WORKER = float(os.environ.get("KCONNECT_STACK_WORKER_TIMEOUT", "240"))
READY_TIMEOUT_MARIADB = float(os.environ.get("KCONNECT_STACK_MARIADB_TIMEOUT", "120"))

SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


class StackError(RuntimeError):
    """The stack could not be started (or a component died); the message says what and where."""


def _say(msg: str) -> None:
    # stderr: `python -m tests.stack up` keeps stdout for `export` lines a shell can eval.
    print(f"[kconnect-stack] {msg}", file=sys.stderr, flush=True)


def _which(*names: str) -> str | None:
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(SBIN_DIRS)
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text[-lines:])


def _free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports (sockets held open until all are chosen)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def java_major_version(java: str) -> int:
    out = subprocess.run(
        [java, "-version"], capture_output=True, text=True, timeout=60, check=False
    )
    text = out.stderr + out.stdout
    m = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not m:
        raise StackError(f"could not read the Java version from `{java} -version`: {text.strip()}")
    major = int(m.group(1))
    if major == 1 and m.group(2):  # "1.8.0_x"
        major = int(m.group(2))
    return major


def check_tools() -> tuple[str, str]:
    """Return (java, mvn) paths, or raise StackError naming what is missing."""
    java = _which("java")
    mvn = _which("mvn")
    missing = []
    if not java:
        missing.append(
            f"java (JDK/JRE {JAVA_MIN_MAJOR}+; Debian: apt-get install openjdk-17-jre-headless)"
        )
    if not mvn:
        missing.append("mvn (Apache Maven 3.6+; Debian: apt-get install maven)")
    if missing:
        raise StackError(
            "the Kafka Connect test stack needs tools that are not on PATH: " + "; ".join(missing)
        )
    assert java and mvn
    major = java_major_version(java)
    if major < JAVA_MIN_MAJOR:
        raise StackError(
            f"java at {java} is version {major}; Kafka 4.x needs Java {JAVA_MIN_MAJOR}+"
        )
    return java, mvn


def cache_root() -> Path:
    base = os.environ.get("KCONNECT_STACK_CACHE") or str(Path.home() / ".cache" / "kconnect-stack")
    return Path(base).expanduser()


def pom_key() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()[:12]


def run_maven(argv: list[str], *, cwd: Path, log_path: Path) -> int:
    """Run Maven (`KCONNECT_STACK_M2_REPO` as its local repository when set), its output in
    `log_path`; return its exit code."""
    repo_local = os.environ.get("KCONNECT_STACK_M2_REPO")
    if repo_local:
        argv = [*argv, f"-Dmaven.repo.local={repo_local}"]
    with log_path.open("w") as fh:
        return subprocess.run(
            argv,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(cwd),
            timeout=1200,
            check=False,
        ).returncode


def resolve_artifacts(mvn: str | None = None, *, log: Callable[[str], None] = _say) -> Path:
    """Jars in `<dir>/lib`, unpacked plugins in `<dir>/plugins`; Maven runs only on a cold cache."""
    root = cache_root() / pom_key()
    marker = root / ".complete"
    if marker.exists():
        return root
    mvn = mvn or _which("mvn")
    if not mvn:
        raise StackError(
            "mvn (Apache Maven) is not on PATH; it is needed to fetch the stack's jars"
        )
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("lib", "archives", "plugins"):
        shutil.rmtree(root / sub, ignore_errors=True)
    mvn_log = root / "maven.log"
    log(f"fetching pinned jars with Maven (log: {mvn_log}) ...")
    t0 = time.monotonic()
    argv = [mvn, "-q", "-B", "-f", str(POM), "generate-resources", f"-Dstack.out={root}"]
    rc = run_maven(argv, cwd=root, log_path=mvn_log)
    if rc != 0:
        raise StackError(f"Maven failed (exit {rc}); see {mvn_log}:\n{_tail(mvn_log)}")
    shutil.rmtree(HERE / "target", ignore_errors=True)  # in case Maven made one next to the pom
    plugins = root / "plugins"
    plugins.mkdir(exist_ok=True)
    archives = sorted((root / "archives").glob("*.tar.gz"))
    if not archives:
        raise StackError(f"Maven copied no plugin archives into {root / 'archives'}")
    for archive in archives:
        with tarfile.open(archive) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(plugins, filter="data")
            else:  # pragma: no cover - Python without the tarfile filter backport
                tf.extractall(plugins)
    jars = sorted(p.name for p in (root / "lib").glob("*.jar"))
    marker.write_text(json.dumps({"jars": jars, "plugins": sorted(os.listdir(plugins))}, indent=1))
    log(f"artifacts ready in {root} ({len(jars)} jars) after {time.monotonic() - t0:.0f}s")
    return root


# --------------------------------------------------------------------------------------------
# processes


@dataclass
class _Proc:
    name: str
    argv: list[str]
    log: Path
    env: dict[str, str] | None = None
    cwd: Path | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as fh:
            fh.write(f"\n===== {time.strftime('%H:%M:%S')} starting {self.name}\n".encode())
            fh.flush()
            self.popen = subprocess.Popen(
                self.argv,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=str(self.cwd) if self.cwd else None,
                start_new_session=True,  # own process group: stopped as a group, by PID
            )

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the process group (pgid == pid: it was started in a new session)."""
        if self.alive():
            assert self.popen
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def stop(self, grace: float = 20.0) -> None:
        if self.popen is None:
            return
        if self.alive():
            self.kill(signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)
        # Children left in the group after the leader exited (none expected) go too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)


_REQUEST_LOG = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[0-9.]+" (?P<status>\d{3}) \S+ "[^"]*" "(?P<agent>[^"]*)"'
    r"(?: (?P<millis>\d+))?"
)
# The log4j prefix of a worker's log line: when the request log line was written (the answer
# was sent), in the machine's local time.
_LOGGED_AT = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})\]")


@dataclass(frozen=True)
class RequestLogLine:
    worker: int
    method: str
    path: str
    status: int
    agent: str
    forwarded: bool
    ended: float | None = None  # epoch seconds when the worker logged the answer
    millis: int | None = None  # how long the worker took to answer

    @property
    def started(self) -> float | None:
        """Epoch seconds when the request reached the worker."""
        if self.ended is None or self.millis is None:
            return None
        return self.ended - self.millis / 1000


def _logged_at(line: str) -> float | None:
    m = _LOGGED_AT.match(line)
    if m is None:
        return None
    at = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
    return at.timestamp() + int(m.group(2)) / 1000


# --------------------------------------------------------------------------------------------
# MariaDB


class _Background:
    """One part of the stack started on a thread beside the broker and workers (MariaDB,
    Elasticsearch): its start time goes into `timings`, its error is re-raised by `join`."""

    def __init__(self, part: str, start: Callable[[], None], timings: dict[str, float]) -> None:
        self._errors: list[BaseException] = []

        def run() -> None:
            try:
                began = time.monotonic()
                start()
                timings[part] = time.monotonic() - began
            except BaseException as e:  # re-raised in the main thread
                self._errors.append(e)

        self._thread = threading.Thread(target=run, name=f"kconnect-stack-{part}", daemon=True)
        self._thread.start()

    def join(self, timeout: float, what: str, log: Path) -> None:
        self._thread.join(timeout=timeout)
        if self._errors:
            raise self._errors[0]
        if self._thread.is_alive():
            raise StackError(f"{what} did not become ready; see {log}")


@dataclass
class MariaDB:
    """A private MariaDB server; `execute` runs SQL through the `mariadb` CLI as root."""

    host: str
    port: int
    user: str
    password: str
    database: str
    socket: Path
    client: str
    server_id: int = DB_SERVER_ID

    def execute(
        self, sql: str, database: str | None = None, timeout: float = 60
    ) -> list[list[str]]:
        """Run `sql` (one or more statements) and return the rows of the last result set,
        each a list of strings (`NULL` for SQL NULL)."""
        over_socket = ["--protocol=SOCKET", f"--socket={self.socket}", "--user=root"]
        return self._client(over_socket, "root", sql, database, timeout)

    def execute_as_user(
        self,
        sql: str,
        database: str | None = None,
        *,
        user: str | None = None,
        password: str | None = None,
    ) -> list[list[str]]:
        """Same as `execute`, but over TCP as the connector's user (checks its grants), or as
        `user`/`password` (e.g. the stack's writer account)."""
        over_tcp = [
            "--protocol=TCP",
            f"--host={self.host}",
            f"--port={self.port}",
            f"--user={user or self.user}",
            f"--password={password or self.password}",
        ]
        return self._client(over_tcp, user or self.user, sql, database, 60)

    def _client(
        self, connection: list[str], who: str, sql: str, database: str | None, timeout: float
    ) -> list[list[str]]:
        """The rows the `mariadb` CLI prints for `sql`, connected by `connection` as `who`."""
        argv = [self.client, "--no-defaults", *connection]
        argv += [
            "--batch",
            "--skip-column-names",
            "--raw",
            "-e",
            sql,
            *([database] if database else []),
        ]
        res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if res.returncode != 0:
            raise StackError(
                f"mariadb client ({who}) failed (exit {res.returncode}): {res.stderr.strip()}\n"
                f"SQL: {sql}"
            )
        return [line.split("\t") for line in res.stdout.splitlines()]

    def ping(self) -> bool:
        try:
            return self.execute("SELECT 1", timeout=10) == [["1"]]
        except (StackError, subprocess.TimeoutExpired):
            return False


def _install_mariadb(log: Callable[[str], None]) -> None:
    if os.geteuid() != 0:
        raise StackError(
            "MariaDB server is not installed (no mariadbd/mysqld) and this is not root: "
            "install it with `sudo apt-get install mariadb-server`"
        )
    apt = _which("apt-get")
    if not apt:
        raise StackError("MariaDB server is not installed and apt-get is not available")
    log("installing mariadb-server from Debian packages ...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Keep the package's init script from starting a system-wide server on port 3306.
    policy = Path("/usr/sbin/policy-rc.d")
    created_policy = False
    if not policy.exists():
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        created_policy = True
    try:
        for argv in (
            [apt, "update", "-q"],
            [apt, "install", "-y", "-q", "mariadb-server", "mariadb-client"],
        ):
            res = subprocess.run(
                argv, capture_output=True, text=True, env=env, timeout=900, check=False
            )
            if res.returncode != 0:
                raise StackError(
                    f"`{' '.join(argv)}` failed (exit {res.returncode}):\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
                )
    finally:
        if created_policy:
            policy.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# the stack


LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.cfg.name = org.apache.kafka.common.config.AbstractConfig
logger.cfg.level = WARN
logger.appinfo.name = org.apache.kafka.common.utils.AppInfoParser
logger.appinfo.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.jetty.name = org.eclipse.jetty
logger.jetty.level = WARN
"""


@dataclass
class Stack:
    """See the module docstring. Use as a context manager or call start()/stop()."""

    workers: int = 2
    heap: str = field(default_factory=lambda: os.environ.get("KCONNECT_STACK_HEAP", DEFAULT_HEAP))
    run_dir: Path | None = None
    with_mariadb: bool = True
    elasticsearch: bool = False
    keep_run_dir: bool = field(default_factory=lambda: os.environ.get("KCONNECT_STACK_KEEP") == "1")
    log: Callable[[str], None] = _say

    def __post_init__(self) -> None:
        self._procs: dict[str, _Proc] = {}
        self._started = False
        self._stopped = False
        self._lock = threading.Lock()
        self.java: str = ""
        self.mvn: str = ""
        self.artifacts: Path | None = None
        self.mariadb: MariaDB | None = None
        self.broker_port = 0
        self.controller_port = 0
        self.rest_ports: list[int] = []
        self.timings: dict[str, float] = {}
        self._mariadb_proc_name = "mariadb"
        self.es_port = 0
        self.es_transport_port = 0
        self.sink_plugins: Path | None = None

    # ------------------------------------------------------------------ public properties
    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.broker_port}"

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.rest_ports]

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def elasticsearch_url(self) -> str | None:
        return f"http://127.0.0.1:{self.es_port}" if self.elasticsearch else None

    @property
    def log_dir(self) -> Path:
        assert self.run_dir
        return self.run_dir / "logs"

    @property
    def data_dir(self) -> Path:
        """A folder for FileStreamSource inputs and FileStreamSink outputs."""
        assert self.run_dir
        return self.run_dir / "files"

    def worker_log(self, i: int) -> Path:
        return self.log_dir / f"worker-{i}.log"

    def worker_pid(self, i: int) -> int | None:
        proc = self._procs.get(f"worker-{i}")
        return proc.pid if proc and proc.alive() else None

    def pids(self) -> dict[str, int]:
        return {n: p.pid for n, p in self._procs.items() if p.alive() and p.pid is not None}

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Stack:
        if self._started:
            return self
        self._started = True
        atexit.register(self.stop)
        t0 = time.monotonic()
        try:
            if self.elasticsearch:
                from tests.stack.elasticsearch import sink_source

                sink_source()  # fail before anything starts when the sink's source is missing
            self.java, self.mvn = check_tools()
            if self.run_dir is None:
                self.run_dir = Path(tempfile.mkdtemp(prefix="kconnect-stack-"))
            self.run_dir.mkdir(parents=True, exist_ok=True)
            for sub in ("logs", "config", "files", "kafka-data"):
                (self.run_dir / sub).mkdir(exist_ok=True)
            self.log(f"run dir {self.run_dir}; logs in {self.log_dir}")
            self._choose_ports()

            db_start = (
                _Background("mariadb", self._start_mariadb, self.timings)
                if self.with_mariadb
                else None
            )

            t = time.monotonic()
            self.artifacts = resolve_artifacts(self.mvn, log=self.log)
            self.timings["artifacts"] = time.monotonic() - t
            es_start = None
            if self.elasticsearch:
                es_start = _Background("elasticsearch", self._start_elasticsearch, self.timings)
                from tests.stack.elasticsearch import build_sink

                t = time.monotonic()
                self.sink_plugins = build_sink(self.mvn, log=self.log)
                self.timings["sink-build"] = time.monotonic() - t
            self._write_configs()
            t = time.monotonic()
            self._start_broker()
            self.timings["broker"] = time.monotonic() - t
            t = time.monotonic()
            for i in range(self.workers):
                self._launch_worker(i)
            for i in range(self.workers):
                self._wait_worker(i)
            self.timings["workers"] = time.monotonic() - t
            if es_start is not None:
                es_start.join(900, "Elasticsearch", self.log_dir / "elasticsearch.log")
            if db_start is not None:
                db_start.join(READY_TIMEOUT_MARIADB + 900, "MariaDB", self.log_dir / "mariadb.log")
            self.timings["total"] = time.monotonic() - t0
            self._write_state()
            self.log(
                f"ready in {self.timings['total']:.0f}s: Connect {', '.join(self.urls)}; "
                f"broker {self.bootstrap}"
                + (f"; MariaDB 127.0.0.1:{self.mariadb.port}" if self.mariadb else "")
                + (f"; Elasticsearch {self.elasticsearch_url}" if self.elasticsearch else "")
                + f"; logs {self.log_dir}"
            )
            return self
        except BaseException:
            self.keep_run_dir = True
            self.stop()
            raise

    def stop(self) -> None:
        with self._lock:
            if self._stopped or not self._started:
                return
            self._stopped = True
        # Workers first (they flush offsets to the broker), then the broker, then MariaDB.
        order = [n for n in self._procs if n.startswith("worker-")]
        order += [n for n in self._procs if n not in order]
        for name in order:
            self._procs[name].stop(grace=30 if name.startswith("worker-") else 20)
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        if self.run_dir and self.run_dir.exists():
            if self.keep_run_dir:
                self.log(f"stopped; logs kept in {self.log_dir}")
            else:
                shutil.rmtree(self.run_dir, ignore_errors=True)
                self.log("stopped")

    # ------------------------------------------------------------------ workers
    def kill_worker(self, i: int) -> int:
        """SIGKILL worker `i` by PID (no clean leave of the group). Returns the PID."""
        proc = self._procs[f"worker-{i}"]
        pid = proc.pid
        if not proc.alive() or pid is None:
            raise StackError(f"worker {i} is not running")
        os.kill(pid, signal.SIGKILL)
        assert proc.popen
        proc.popen.wait(timeout=30)
        self.log(f"killed worker {i} (pid {pid})")
        return pid

    def start_worker(self, i: int) -> int:
        """(Re)start worker `i` with its original config and wait until its REST API answers."""
        proc = self._procs.get(f"worker-{i}")
        if proc and proc.alive():
            raise StackError(f"worker {i} is already running (pid {proc.pid})")
        self._launch_worker(i)
        self._wait_worker(i)
        pid = self.worker_pid(i)
        assert pid is not None
        self._write_state()
        return pid

    # ------------------------------------------------------------------ helpers for tests
    def sink_file(self, name: str) -> Path:
        return self.data_dir / name

    def read_sink_file(self, path: Path | str) -> list[str]:
        p = Path(path)
        if not p.exists():
            return []
        return p.read_text(errors="replace").splitlines()

    def wait_for_sink_lines(
        self, path: Path | str, predicate: Callable[[list[str]], bool], timeout: float = 30
    ) -> list[str]:
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        while time.monotonic() < deadline:
            lines = self.read_sink_file(path)
            if predicate(lines):
                return lines
            time.sleep(0.2)
        raise AssertionError(
            f"sink file {path} did not reach the expected content in {timeout:.0f}s; "
            f"last {len(lines)} lines: {lines[-10:]}; worker logs in {self.log_dir}"
        )

    def read_topic(
        self,
        topic: str,
        *,
        max_messages: int | None = None,
        timeout_ms: int = 10000,
        print_key: bool = False,
    ) -> list[str]:
        """The messages of `topic` from the beginning (values, or `key\\tvalue` lines)."""
        argv = [
            *self._java_argv("tools", CONSOLE_CONSUMER_MAIN, heap="256m"),
            "--bootstrap-server",
            self.bootstrap,
            "--topic",
            topic,
            "--from-beginning",
            "--timeout-ms",
            str(timeout_ms),
            "--group",
            f"kconnect-stack-reader-{uuid.uuid4().hex[:8]}",
        ]
        if max_messages is not None:
            argv += ["--max-messages", str(max_messages)]
        if print_key:
            argv += ["--property", "print.key=true"]
        res = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout_ms / 1000 + 120, check=False
        )
        # ConsoleConsumer exits 0 after a timeout too; anything else is a real error.
        if res.returncode != 0 and "TimeoutException" not in res.stderr:
            raise StackError(f"ConsoleConsumer failed for {topic}: {res.stderr[-2000:]}")
        return [line for line in res.stdout.splitlines() if line]

    def list_topics(self) -> list[str]:
        argv = [
            *self._java_argv("tools", TOPIC_COMMAND_MAIN, heap="256m"),
            "--bootstrap-server",
            self.bootstrap,
            "--list",
        ]
        res = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        if res.returncode != 0:
            raise StackError(f"TopicCommand --list failed: {res.stderr[-2000:]}")
        return sorted(line for line in res.stdout.splitlines() if line)

    def delete_topic(self, topic: str, timeout: float = 60) -> None:
        """Delete `topic` (if it exists) and wait until the broker no longer lists it."""
        if topic not in self.list_topics():
            return
        argv = [
            *self._java_argv("tools", TOPIC_COMMAND_MAIN, heap="256m"),
            "--bootstrap-server",
            self.bootstrap,
            "--delete",
            "--topic",
            topic,
        ]
        res = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        if res.returncode != 0:
            raise StackError(f"TopicCommand --delete {topic} failed: {res.stderr[-2000:]}")
        deadline = time.monotonic() + timeout
        while topic in self.list_topics():
            if time.monotonic() > deadline:
                raise StackError(f"topic {topic} still listed {timeout:.0f}s after its deletion")
            time.sleep(1)

    def leader_index(self) -> int | None:
        """Index of the worker that leads the group, from the latest assignment logged by a
        running worker (`leaderUrl='...'`); None when no running worker has logged one."""
        latest: tuple[str, str] | None = None
        for i in range(self.workers):
            if self.worker_pid(i) is None:
                continue
            p = self.worker_log(i)
            text = p.read_text(errors="replace") if p.exists() else ""
            for m in re.finditer(r"^\[([^\]]+)\].*?leaderUrl='([^']*)'", text, re.M):
                if latest is None or m.group(1) >= latest[0]:
                    latest = (m.group(1), m.group(2).rstrip("/"))
        if latest is None:
            return None
        return self.urls.index(latest[1]) if latest[1] in self.urls else None

    def log_marks(self) -> dict[str, int]:
        """Current sizes of the worker logs; pass to `requests(since=...)` to see only later lines."""
        marks = {}
        for i in range(self.workers):
            p = self.worker_log(i)
            marks[p.name] = p.stat().st_size if p.exists() else 0
        return marks

    def requests(self, since: dict[str, int] | None = None) -> list[RequestLogLine]:
        """REST requests the workers logged (Jetty request log, INFO on RestServer).

        Requests a follower forwarded to the leader appear twice (once on each worker); the
        forwarded copy has `forwarded=True` (`?forward=` in its query or Jersey's user agent)."""
        out: list[RequestLogLine] = []
        for i in range(self.workers):
            p = self.worker_log(i)
            if not p.exists():
                continue
            with p.open("rb") as fh:
                fh.seek((since or {}).get(p.name, 0))
                text = fh.read().decode(errors="replace")
            for line in text.splitlines():
                m = _REQUEST_LOG.search(line)
                if m:
                    path = m.group("path")
                    agent = m.group("agent")
                    out.append(
                        RequestLogLine(
                            worker=i,
                            method=m.group("method"),
                            path=path,
                            status=int(m.group("status")),
                            agent=agent,
                            forwarded="forward=" in path or agent.lower().startswith("jersey"),
                            ended=_logged_at(line),
                            millis=int(m.group("millis")) if m.group("millis") else None,
                        )
                    )
        return out

    def exports(self) -> dict[str, str]:
        """The variables connectors.d/ (and kconnect) read, pointing at this stack."""
        return exports_from(self.describe())

    def describe(self) -> dict[str, object]:
        return {
            "run_dir": str(self.run_dir),
            "log_dir": str(self.log_dir),
            "urls": self.urls,
            "bootstrap": self.bootstrap,
            "mariadb": None
            if not self.mariadb
            else {
                "host": self.mariadb.host,
                "port": self.mariadb.port,
                "user": self.mariadb.user,
                "password": self.mariadb.password,
                "database": self.mariadb.database,
                "socket": str(self.mariadb.socket),
            },
            "elasticsearch": self.elasticsearch_url,
            "pids": self.pids(),
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
        }

    # ------------------------------------------------------------------ internals
    def _choose_ports(self) -> None:
        free = _free_ports(5 + self.workers)
        self.es_port, self.es_transport_port = free[-2], free[-1]
        self.broker_port = int(os.environ.get("KCONNECT_STACK_BROKER_PORT") or free[0])
        self.controller_port = int(os.environ.get("KCONNECT_STACK_CONTROLLER_PORT") or free[1])
        self._db_port = int(os.environ.get("KCONNECT_STACK_MARIADB_PORT") or free[2])
        base = os.environ.get("KCONNECT_STACK_REST_PORT")  # worker i gets base + i
        self.rest_ports = (
            [int(base) + i for i in range(self.workers)] if base else free[3 : 3 + self.workers]
        )

    def _java_argv(self, role: str, main: str, heap: str | None = None) -> list[str]:
        assert self.artifacts and self.run_dir
        heap = heap or self.heap
        # Command-line tools print data on stdout: their logs go to stderr.
        log_cfg = (
            "log4j2-servers.properties"
            if role in ("broker",) or role.startswith("worker")
            else "log4j2-tools.properties"
        )
        return [
            self.java,
            "-Xms64m",
            f"-Xmx{heap}",
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            "-Dfile.encoding=UTF-8",
            f"-Dlog4j2.configurationFile={self.run_dir / 'config' / log_cfg}",
            f"-Dkafka.logs.dir={self.log_dir}",
            f"-Dkconnect.stack.role={role}",
            f"-Dkconnect.stack.run={self.run_dir}",
            "-cp",
            str(self.artifacts / "lib" / "*"),
            main,
        ]

    def _write_configs(self) -> None:
        assert self.run_dir and self.artifacts
        cfg = self.run_dir / "config"
        (cfg / "log4j2-servers.properties").write_text(LOG4J2)
        (cfg / "log4j2-tools.properties").write_text(
            LOG4J2.replace(
                "appender.out.name = OUT",
                "appender.out.name = OUT\nappender.out.target = SYSTEM_ERR",
            ).replace("rootLogger.level = INFO", "rootLogger.level = WARN")
        )
        broker = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.broker_port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.broker_port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.run_dir / "kafka-data"),
            "num.partitions": "1",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            "num.network.threads": "2",
            "num.io.threads": "4",
            "log.retention.hours": "24",
        }
        _write_props(cfg / "server.properties", broker)
        for i, port in enumerate(self.rest_ports):
            worker = {
                "bootstrap.servers": self.bootstrap,
                "group.id": CONNECT_GROUP_ID,
                "client.id": f"kconnect-stack-worker-{i}",
                "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "key.converter.schemas.enable": "true",
                "value.converter.schemas.enable": "true",
                "config.storage.topic": CONFIG_TOPIC,
                "offset.storage.topic": OFFSET_TOPIC,
                "status.storage.topic": STATUS_TOPIC,
                "config.storage.replication.factor": "1",
                "offset.storage.replication.factor": "1",
                "status.storage.replication.factor": "1",
                "offset.storage.partitions": "5",
                "status.storage.partitions": "3",
                # FileStreamSink flushes its file on offset commit: keep it short.
                "offset.flush.interval.ms": "1000",
                "listeners": f"http://127.0.0.1:{port}",
                "rest.advertised.host.name": "127.0.0.1",
                "rest.advertised.port": str(port),
                "rest.advertised.listener": "http",
                "plugin.path": ",".join(
                    str(p) for p in (self.artifacts / "plugins", self.sink_plugins) if p
                ),
                # Every plugin here ships ServiceLoader manifests: skip the slow reflective scan.
                "plugin.discovery": "service_load",
                # Lost tasks of a dead worker are reassigned after this delay (default 5 min).
                "scheduled.rebalance.max.delay.ms": "10000",
                "session.timeout.ms": "10000",
                "heartbeat.interval.ms": "2000",
                "rebalance.timeout.ms": "30000",
                "worker.unsync.backoff.ms": "5000",
                "task.shutdown.graceful.timeout.ms": "5000",
                "config.providers": "env,file",
                "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
            }
            _write_props(cfg / f"worker-{i}.properties", worker)

    def _start_broker(self) -> None:
        assert self.run_dir
        cfg = self.run_dir / "config" / "server.properties"
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        fmt_log = self.log_dir / "kafka-storage-format.log"
        argv = [
            *self._java_argv("storage", STORAGE_TOOL_MAIN, heap="256m"),
            "format",
            # One `=` argument: a random id can start with "-", which argparse would take for
            # an option (seen: "argument --cluster-id/-t: expected one argument").
            f"--cluster-id={cluster_id}",
            "--config",
            str(cfg),
            "--ignore-formatted",
        ]
        with fmt_log.open("w") as fh:
            rc = subprocess.run(
                argv, stdout=fh, stderr=subprocess.STDOUT, timeout=180, check=False
            ).returncode
        if rc != 0:
            raise StackError(
                f"formatting the KRaft storage failed (exit {rc}); see {fmt_log}:\n{_tail(fmt_log)}"
            )
        proc = _Proc(
            "broker",
            [*self._java_argv("broker", BROKER_MAIN), str(cfg)],
            self.log_dir / "broker.log",
            cwd=self.run_dir,
        )
        self._procs["broker"] = proc
        proc.start()
        self.log(f"broker starting (pid {proc.pid}) on {self.bootstrap}; log {proc.log}")
        deadline = time.monotonic() + READY_TIMEOUT_BROKER
        while time.monotonic() < deadline:
            self._check_alive(proc)
            if _port_open(self.broker_port) and "Kafka Server started" in proc.log.read_text(
                errors="replace"
            ):
                return
            time.sleep(0.3)
        raise StackError(
            f"the broker did not start in {READY_TIMEOUT_BROKER:.0f}s; see {proc.log}:\n{_tail(proc.log)}"
        )

    def _worker_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env[DB_PASSWORD_ENV] = DB_PASSWORD
        env[DB_WRONG_PASSWORD_ENV] = "not-the-password"
        env[COMPOSE_DB_PASSWORD_ENV] = DB_PASSWORD
        env.pop("KAFKA_OPTS", None)
        env.pop("JAVA_TOOL_OPTIONS", None)
        return env

    def _launch_worker(self, i: int) -> None:
        assert self.run_dir
        cfg = self.run_dir / "config" / f"worker-{i}.properties"
        proc = _Proc(
            f"worker-{i}",
            [*self._java_argv(f"worker-{i}", CONNECT_MAIN), str(cfg)],
            self.worker_log(i),
            env=self._worker_env(),
            cwd=self.run_dir,
        )
        self._procs[f"worker-{i}"] = proc
        proc.start()
        self.log(f"worker {i} starting (pid {proc.pid}) on {self.urls[i]}; log {proc.log}")

    def _wait_worker(self, i: int) -> None:
        proc = self._procs[f"worker-{i}"]
        url = self.urls[i]
        deadline = time.monotonic() + READY_TIMEOUT_WORKER
        last = ""
        with httpx.Client(timeout=10) as client:
            while time.monotonic() < deadline:
                self._check_alive(proc)
                try:
                    health = client.get(f"{url}/health")
                    if health.status_code == 200:
                        root = client.get(f"{url}/")
                        conns = client.get(f"{url}/connectors")
                        if root.status_code == 200 and conns.status_code == 200:
                            return
                        last = f"GET / {root.status_code}, GET /connectors {conns.status_code}: {conns.text[:200]}"
                    else:
                        last = f"GET /health {health.status_code}: {health.text[:200]}"
                except httpx.HTTPError as e:
                    last = repr(e)
                time.sleep(0.5)
        raise StackError(
            f"Connect worker {i} ({url}) not ready in {READY_TIMEOUT_WORKER:.0f}s (last: {last}); "
            f"see {proc.log}:\n{_tail(proc.log)}"
        )

    def _start_elasticsearch(self) -> None:
        assert self.run_dir and self.artifacts
        from tests.stack.elasticsearch import ElasticsearchNode

        node = ElasticsearchNode(
            self.run_dir, self.artifacts, self.java, self.es_port, self.es_transport_port
        )
        argv, env = node.prepare()
        proc = _Proc("elasticsearch", argv, self.log_dir / "elasticsearch.log", env=env)
        self._procs["elasticsearch"] = proc
        proc.start()
        self.log(f"elasticsearch starting (pid {proc.pid}) on {node.url}; log {proc.log}")
        node.wait_ready(lambda: self._check_alive(proc), proc.log)

    def _check_alive(self, proc: _Proc) -> None:
        if not proc.alive():
            rc = proc.popen.returncode if proc.popen else None
            raise StackError(
                f"{proc.name} exited (code {rc}) while starting; see {proc.log}:\n{_tail(proc.log)}"
            )

    def _start_mariadb(self) -> None:
        assert self.run_dir
        server = _which("mariadbd", "mysqld")
        if not server:
            _install_mariadb(self.log)
            server = _which("mariadbd", "mysqld")
            if not server:
                raise StackError(
                    "mariadb-server was installed but no mariadbd/mysqld is on PATH or in /usr/sbin"
                )
        install_db = _which("mariadb-install-db", "mysql_install_db")
        client = _which("mariadb", "mysql")
        if not install_db or not client:
            raise StackError(
                "MariaDB's mariadb-install-db or mariadb client is missing (apt-get install mariadb-server mariadb-client)"
            )
        base = self.run_dir / "mariadb"
        datadir, rundir, binlogs = base / "data", base / "run", base / "binlog"
        for d in (datadir, rundir, binlogs):
            d.mkdir(parents=True, exist_ok=True)
        sock = rundir / "mariadb.sock"
        # A unix socket path must fit in 108 bytes.
        if len(str(sock)) > 100:
            sock = Path(tempfile.mkdtemp(prefix="kcs-db-")) / "m.sock"
        log = self.log_dir / "mariadb.log"
        init_log = self.log_dir / "mariadb-install-db.log"
        with init_log.open("w") as fh:
            rc = subprocess.run(
                [
                    install_db,
                    "--no-defaults",
                    f"--datadir={datadir}",
                    "--user=root",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                    "--innodb-use-native-aio=0",
                ],
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=300,
                check=False,
            ).returncode
        if rc != 0:
            raise StackError(
                f"mariadb-install-db failed (exit {rc}); see {init_log}:\n{_tail(init_log)}"
            )
        argv = [
            server,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--socket={sock}",
            f"--port={self._db_port}",
            "--bind-address=127.0.0.1",
            "--user=root",
            f"--pid-file={rundir / 'mariadb.pid'}",
            f"--tmpdir={rundir}",
            f"--server-id={DB_SERVER_ID}",
            f"--log-bin={binlogs / 'mariadb-bin'}",
            "--binlog-format=ROW",
            "--binlog-row-image=FULL",
            "--log-bin-compress=0",
            "--skip-name-resolve",
            "--innodb-use-native-aio=0",
            "--innodb-buffer-pool-size=64M",
            "--max-connections=200",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
        ]
        proc = _Proc(self._mariadb_proc_name, argv, log, cwd=base)
        self._procs[self._mariadb_proc_name] = proc
        proc.start()
        self.log(f"mariadb starting (pid {proc.pid}) on 127.0.0.1:{self._db_port}; log {log}")
        db = MariaDB(
            host="127.0.0.1",
            port=self._db_port,
            user=DB_USER,
            password=DB_PASSWORD,
            database=DB_NAME,
            socket=sock,
            client=client,
        )
        deadline = time.monotonic() + READY_TIMEOUT_MARIADB
        while not db.ping():
            self._check_alive(proc)
            if time.monotonic() > deadline:
                raise StackError(
                    f"MariaDB did not answer in {READY_TIMEOUT_MARIADB:.0f}s; see {log}:\n{_tail(log)}"
                )
            time.sleep(0.3)
        users = ("'debezium'@'%'", "'debezium'@'localhost'", "'debezium'@'127.0.0.1'")
        # The compose stack's schema and rows (DATETIME columns: `time.precision.mode: connect`
        # makes them Connect Timestamps, which the Elasticsearch sink maps as `date`).
        db.execute(INIT_SQL.read_text(encoding="utf-8"))
        stmts = []
        for u in users:
            stmts.append(f"CREATE USER IF NOT EXISTS {u} IDENTIFIED BY '{DB_PASSWORD}'")
            stmts.append(
                f"GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO {u}"
            )
        for host in ("%", "localhost", "127.0.0.1"):
            writer = f"'{DB_WRITER}'@'{host}'"
            stmts.append(f"CREATE USER IF NOT EXISTS {writer} IDENTIFIED BY '{DB_WRITER_PASSWORD}'")
            stmts.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {DB_NAME}.post TO {writer}")
        stmts.append("FLUSH PRIVILEGES")
        db.execute(";\n".join(stmts))
        db.execute_as_user("SELECT COUNT(*) FROM mydb.post")
        self.mariadb = db

    def _write_state(self) -> None:
        assert self.run_dir
        state = self.describe()
        (self.run_dir / "stack.json").write_text(json.dumps(state, indent=1))


def _write_props(path: Path, props: dict[str, str]) -> None:
    path.write_text("".join(f"{k}={_escape(v)}\n" for k, v in props.items()))


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\")


# --------------------------------------------------------------------------------------------
# detached stacks (`python -m tests.stack up --detach` / `down` / `status`)


def exports_from(info: dict[str, object]) -> dict[str, str]:
    """The variables connectors.d/ (and kconnect) read, from a stack's `describe()` (or the
    detached stack's pointer file)."""
    urls = info["urls"]
    assert isinstance(urls, list)
    env = {"KCONNECT_URL": str(urls[0])}
    mariadb = info.get("mariadb")
    if isinstance(mariadb, dict):
        env.update(MYSQL_HOST=str(mariadb["host"]), MYSQL_PORT=str(mariadb["port"]))
    env["KAFKA_BOOTSTRAP_SERVERS"] = str(info["bootstrap"])
    if info.get("elasticsearch"):
        env["ELASTICSEARCH_URL"] = str(info["elasticsearch"])
    if isinstance(mariadb, dict):
        env.update(
            KCONNECT_STACK_MARIADB_USER=DB_WRITER,
            KCONNECT_STACK_MARIADB_PASSWORD=DB_WRITER_PASSWORD,
        )
    return env


def state_pointer() -> Path:
    return cache_root() / "current-stack.json"


def kill_recorded(state: dict[str, object], log: Callable[[str], None] = _say) -> None:
    """Stop the processes a detached stack recorded, by PID, after checking each PID still
    belongs to that stack's run dir (so a recycled PID is never signalled)."""
    run_dir = str(state.get("run_dir", ""))
    pids = state.get("pids") or {}
    assert isinstance(pids, dict)
    names = [n for n in pids if str(n).startswith("worker-")] + [
        n for n in pids if not str(n).startswith("worker-")
    ]
    for name in names:
        pid = int(pids[name])
        if not _pid_belongs(pid, run_dir):
            continue
        log(f"stopping {name} (pid {pid})")
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _pid_belongs(pid, run_dir):
            time.sleep(0.3)
        if _pid_belongs(pid, run_dir):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def _pid_belongs(pid: int, run_dir: str) -> bool:
    try:
        cmdline = (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        return False
    return bool(run_dir) and run_dir in cmdline


def alive_pids(state: dict[str, object]) -> dict[str, int]:
    pids = state.get("pids") or {}
    assert isinstance(pids, dict)
    return {
        str(n): int(p)
        for n, p in pids.items()
        if _pid_belongs(int(p), str(state.get("run_dir", "")))
    }
