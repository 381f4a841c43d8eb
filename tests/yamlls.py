"""A minimal LSP client for the real `yaml-language-server` (npm): open a document, collect the
diagnostics it publishes. Used by tests/test_editor_schemas.py.

The server is installed with npm into a cache folder on first use (`$KCONNECT_YAMLLS_DIR`,
default `~/.cache/kconnect-yamlls`); without npm the tests that need it skip, saying why.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

VERSION = "1.25.0"


class YamlLsUnavailable(RuntimeError):
    pass


def install() -> Path:
    """The path of the `yaml-language-server` executable, installing it with npm if needed."""
    folder = Path(
        os.environ.get("KCONNECT_YAMLLS_DIR") or Path.home() / ".cache" / "kconnect-yamlls"
    )
    binary = folder / "node_modules" / ".bin" / "yaml-language-server"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise YamlLsUnavailable("npm/node are not installed: cannot install yaml-language-server")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", f"yaml-language-server@{VERSION}"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 or not binary.exists():
        raise YamlLsUnavailable(f"npm install yaml-language-server failed: {done.stderr[-500:]}")
    return binary


class YamlLanguageServer:
    """One server process over stdio; `diagnostics(path)` opens the file and waits for them."""

    def __init__(self, binary: Path, root: Path) -> None:
        self.proc = subprocess.Popen(
            [str(binary), "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self._request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "capabilities": {"workspace": {"configuration": True}},
            },
        )
        self._notify("initialized", {})
        self._notify("workspace/didChangeConfiguration", {"settings": self._settings()})

    @staticmethod
    def _settings() -> dict[str, Any]:
        return {
            "yaml": {
                "validate": True,
                "completion": True,
                "hover": True,
                "schemaStore": {"enable": False},
                "format": {"enable": False},
            }
        }

    def _read(self) -> None:
        try:
            self._read_messages()
        except (OSError, ValueError):
            return  # the pipe was closed by close()

    def _read_messages(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            self._messages.put(json.loads(stream.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def _request(self, method: str, params: Any, timeout: float = 60) -> Any:
        self._next_id += 1
        wanted = self._next_id
        self._send({"id": wanted, "method": method, "params": params})
        return self._wait(lambda m: m.get("id") == wanted and "method" not in m, timeout)["result"]

    def _wait(self, match: Any, timeout: float) -> dict[str, Any]:
        while True:
            message = self._messages.get(timeout=timeout)
            if "id" in message and "method" in message:  # a request from the server
                result: Any = None
                if message["method"] == "workspace/configuration":
                    items = message["params"].get("items", [])
                    result = [self._settings().get(i.get("section", ""), None) for i in items]
                self._send({"id": message["id"], "result": result})
                continue
            if match(message):
                return message

    @contextlib.contextmanager
    def _opened(self, path: Path) -> Iterator[str]:
        """`path` open in the editor (didOpen, then didClose) while the block runs; its URI."""
        uri = path.resolve().as_uri()
        text = path.read_text(encoding="utf-8")
        self._notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
        )
        yield uri
        self._notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def diagnostics(self, path: Path, timeout: float = 60) -> list[dict[str, Any]]:
        with self._opened(path) as uri:
            found = self._wait(
                lambda m: (
                    m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == uri
                ),
                timeout,
            )
        diagnostics: list[dict[str, Any]] = found["params"]["diagnostics"]
        return diagnostics

    def completion(self, path: Path, line: int, character: int) -> list[str]:
        with self._opened(path) as uri:
            result = self._request(
                "textDocument/completion",
                {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
            )
        items = result.get("items", []) if isinstance(result, dict) else result or []
        return [str(item["label"]) for item in items]

    def close(self) -> None:
        try:
            self._request("shutdown", None, timeout=10)
            self._notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        finally:
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()
