"""A write is successful only when the worker says so (issue 23, §1).

Between kconnect and Connect there are proxies, gateways and load balancers. Each write has
the answers Connect documents for it; anything else — another status, a body of the wrong
shape, a redirect — is an unexpected answer: the connector is re-read, what it holds is
reported, the write is never shown as done and the exit code is 1. Redirects are never
followed (credentials must not travel to another host).

The fake worker plays the misbehaving middlebox (`inject(body=..., apply_anyway=...)`): with
`apply_anyway` the write reaches the worker and only the answer is mangled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRunner, file_source, write_manifest
from tests.fakeconnect import FakeConnect

# Every test here runs over both transports of the client (light and httpx).
pytestmark = pytest.mark.usefixtures("both_transports")

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
MAINTENANCE = b"<html><head><title>Maintenance</title></head><body>back soon</body></html>"


def _config(name: str, topic: str = "t") -> dict[str, str]:
    return {"connector.class": SOURCE, "tasks.max": "1", "topic": topic, "file": f"/tmp/{name}"}


def _env(fake: FakeConnect) -> dict[str, str]:
    return {"KCONNECT_URL": fake.url}


def _no_success(output: str) -> None:
    assert "✓" not in output
    assert "Traceback" not in output


def _html(status: int = 200) -> dict[str, Any]:
    return {"status": status, "body": MAINTENANCE, "content_type": "text/html"}


# -- apply: creates and updates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "applied", "got", "found"),
    [
        (
            _html(),
            False,
            "got 200 with an HTML page ('Maintenance')",
            "re-read: connector a does not exist, it was not created",
        ),
        (
            {"status": 200, "body": b""},
            True,
            "got 200 with no body",
            "re-read: connector a holds the manifest's config",
        ),
        (
            {"status": 201, "body": {"ok": True}},
            False,
            "got 201 with JSON of another shape (expected the answer to have 'config')",
            "re-read: connector a does not exist, it was not created",
        ),
        (
            {"status": 201, "body": {"name": "other", "config": {}, "tasks": []}},
            True,
            "(expected the answer['name'] to be 'a', got another connector's name)",
            "re-read: connector a holds the manifest's config",
        ),
        (
            {"status": 204, "body": b""},
            True,
            "got 204 with no body",
            "re-read: connector a holds the manifest's config",
        ),
        (
            {"status": 202, "body": b"accepted", "content_type": "text/plain"},
            False,
            "got 202 with a body that is not JSON (text/plain, 8 bytes)",
            "re-read: connector a does not exist, it was not created",
        ),
    ],
    ids=["html-200", "empty-200-applied", "wrong-shape-201", "other-name-201", "204", "202"],
)
def test_a_create_without_connects_answer_is_never_shown_as_done(
    cli: CliRunner,
    fake: FakeConnect,
    tmp_path: Path,
    answer: dict[str, Any],
    applied: bool,
    got: str,
    found: str,
) -> None:
    write_manifest(tmp_path, "a.yaml", file_source("a"))
    write_manifest(tmp_path, "b.yaml", file_source("b"))
    fake.inject(method="PUT", path="/connectors/a/config", apply_anyway=applied, **answer)
    result = cli("apply", str(tmp_path), "--yes", env=_env(fake))
    assert result.exit_code == 1, result.output
    assert "PUT /connectors/a/config: HTTP" in result.output
    assert "unexpected answer from the worker: expected 200 or 201 with the connector's JSON, " in (
        result.output
    )
    assert got in result.output
    assert "the write is not confirmed" in result.output
    assert found in result.output
    assert "✗ a" in result.stdout or "a: create failed" in result.output
    assert "1 created" in result.stdout and "1 failed" in result.stdout  # b went through
    assert ("a" in fake.connector_names()) is applied


def test_an_update_answered_by_a_proxy_page_says_the_change_was_not_applied(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector("a", _config("a", topic="old"))
    write_manifest(tmp_path, "a.yaml", file_source("a", topic="new"))
    fake.inject(method="PUT", path="/connectors/a/config", **_html())
    result = cli("apply", str(tmp_path), "--yes", "-o", "json", env=_env(fake))
    assert result.exit_code == 1
    [outcome] = result.json["data"]["results"]
    assert outcome["ok"] is False
    assert outcome["steps"] == []
    assert (
        "re-read: connector a holds another config, the change was not applied"
        in (outcome["error"])
    )
    assert result.json["data"]["summary"]["updated"] == 0
    assert (fake.connector_config("a") or {})["topic"] == "old"


def test_a_create_with_initial_state_redirected_is_not_followed(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    with FakeConnect() as elsewhere:
        write_manifest(tmp_path, "a.yaml", file_source("a", state="paused"))
        location = f"{elsewhere.url}/connectors"
        fake.inject(
            method="POST", path="/connectors", status=307, body=b"", headers={"Location": location}
        )
        env = {"KCONNECT_URL": fake.url.replace("http://", "http://ops:s3cr3t-pw@")}
        result = cli("apply", str(tmp_path), "--yes", env=env)
        assert result.exit_code == 1, result.output
        assert (
            f"POST /connectors: HTTP 307: the answer is a redirect to {location}; kconnect "
            "does not follow redirects (credentials must not travel to another host)"
        ) in result.output
        assert "re-read: connector a does not exist, it was not created" in result.output
        assert elsewhere.requests == []  # neither the write nor the credentials went there
        assert "s3cr3t-pw" not in result.output
        _no_success(result.output)
        assert [r.method for r in fake.writes()] == ["POST"]  # sent once, never repeated


# -- day-two writes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "method", "path", "answer", "expected", "found"),
    [
        (
            ["delete", "a", "--yes"],
            "DELETE",
            "/connectors/a",
            {"status": 200, "body": {}},
            "expected 204 with no body, got 200 with a JSON body (an object)",
            "re-read: connector a exists, it was not deleted",
        ),
        (
            ["pause", "a"],
            "PUT",
            "/connectors/a/pause",
            _html(),
            "expected 202 with no body, got 200 with an HTML page ('Maintenance')",
            "re-read: connector a is RUNNING (task 0 RUNNING), not PAUSED",
        ),
        (
            ["stop", "a"],
            "PUT",
            "/connectors/a/stop",
            {"status": 202, "body": b""},
            "expected 204 with no body, got 202 with no body",
            "re-read: connector a is RUNNING (task 0 RUNNING), not STOPPED",
        ),
        (
            ["restart", "a"],
            "POST",
            "/connectors/a/restart",
            {"status": 200, "body": b""},
            "expected 204 with no body, or 202 with the connector's status, got 200 with no body",
            "re-read: connector a is RUNNING (task 0 RUNNING)",
        ),
        (
            ["restart", "a", "--include-tasks"],
            "POST",
            "/connectors/a/restart",
            {"status": 202, "body": b"<html><title>Accepted</title></html>"},
            "got 202 with an HTML page ('Accepted')",
            "re-read: connector a is RUNNING",
        ),
        (
            ["restart", "a", "--task", "0"],
            "POST",
            "/connectors/a/tasks/0/restart",
            {"status": 302, "body": b"", "headers": {"Location": "http://127.0.0.1:9/login"}},
            "HTTP 302: the answer is a redirect to http://127.0.0.1:9/login",
            "re-read: connector a is RUNNING (task 0 RUNNING)",
        ),
    ],
    ids=["delete", "pause", "stop", "restart", "restart-tasks", "restart-task-redirect"],
)
def test_day_two_writes_without_connects_answer_fail_and_say_what_the_worker_holds(
    cli: CliRunner,
    fake: FakeConnect,
    args: list[str],
    method: str,
    path: str,
    answer: dict[str, Any],
    expected: str,
    found: str,
) -> None:
    fake.add_connector("a", _config("a"))
    fake.add_connector("b", _config("b"))
    fake.inject(method=method, path=path, **answer)
    result = cli(*args, env=_env(fake))
    assert result.exit_code == 1, result.output
    assert f"{method} {path}" in result.output
    assert expected in result.output
    assert found in result.output
    _no_success(result.output)
    # Sent once: an unexpected answer is reported, never blindly repeated.
    assert [r.path for r in fake.writes()] == [path]


def test_a_delete_that_happened_behind_a_mangled_answer_is_still_not_shown_as_done(
    cli: CliRunner, fake: FakeConnect
) -> None:
    fake.add_connector("a", _config("a"))
    fake.inject(method="DELETE", path="/connectors/a", apply_anyway=True, **_html())
    result = cli("delete", "a", "--yes", "-o", "json", env=_env(fake))
    assert result.exit_code == 1
    [entry] = result.json["data"]["results"]
    assert entry["deleted"] is False
    assert "re-read: connector a does not exist now" in entry["error"]
    assert fake.connector_names() == []


def test_several_writes_report_each_unexpected_answer_and_the_others_go_through(
    cli: CliRunner, fake: FakeConnect
) -> None:
    for name in ("a", "b", "c"):
        fake.add_connector(name, _config(name))
    fake.inject(method="PUT", path="/connectors/b/pause", status=200, body={"paused": True})
    result = cli("pause", "a", "b", "c", env=_env(fake))
    assert result.exit_code == 1
    assert "✓ a" in result.output and "✓ c" in result.output
    assert "✓ b" not in result.output
    assert "got 200 with a JSON body (an object)" in result.output
    assert fake.connector_state("a") == "PAUSED" and fake.connector_state("b") == "RUNNING"


@pytest.mark.parametrize(
    ("answer", "got"),
    [
        ({"status": 200, "body": {}}, "(expected the answer to have 'message')"),
        ({"status": 204, "body": b""}, "got 204 with no body"),
        (_html(), "got 200 with an HTML page ('Maintenance')"),
    ],
)
def test_an_offsets_reset_without_connects_answer_fails_and_the_state_is_restored(
    cli: CliRunner, fake: FakeConnect, answer: dict[str, Any], got: str
) -> None:
    fake.add_connector("a", _config("a"))
    fake.set_offsets("a", [{"partition": {"filename": "/tmp/a"}, "offset": {"position": 7}}])
    fake.inject(method="DELETE", path="/connectors/a/offsets", **answer)
    result = cli("offsets", "reset", "a", "--yes", env=_env(fake))
    assert result.exit_code == 1, result.output
    assert "DELETE /connectors/a/offsets" in result.output
    assert "expected 200 with a message" in result.output and got in result.output
    assert "re-read: the worker lists 1 partition offset(s) for a" in result.output
    _no_success(result.output)
    assert fake.connector_state("a") == "RUNNING"  # resumed after the failed reset


def test_a_logger_change_answered_by_a_redirect_is_not_followed(
    cli: CliRunner, fake: FakeConnect
) -> None:
    with FakeConnect() as elsewhere:
        fake.inject(
            method="PUT",
            path="/admin/loggers/root",
            status=301,
            body=b"",
            headers={"Location": f"{elsewhere.url}/admin/loggers/root"},
        )
        result = cli("loggers", "set", "root", "DEBUG", env=_env(fake))
        assert result.exit_code == 1, result.output
        assert f"HTTP 301: the answer is a redirect to {elsewhere.url}/admin/loggers/root" in (
            result.output
        )
        assert "re-read: logger root is at level INFO" in result.output
        assert elsewhere.requests == []


# -- reads: redirects are reported, never followed ------------------------------------------


@pytest.mark.parametrize("command", [["status"], ["plan"], ["describe", "a"]])
def test_a_redirected_read_names_the_location_and_is_not_followed(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path, command: list[str]
) -> None:
    fake.add_connector("a", _config("a"))
    with FakeConnect() as elsewhere:
        fake.inject(
            method="GET",
            path=r"/connectors.*",
            status=302,
            body=b"",
            headers={"Location": f"{elsewhere.url}/sso?next=/connectors"},
            times=10,
        )
        if command == ["plan"]:
            command = ["plan", str(write_manifest(tmp_path, "a.yaml", file_source("a")))]
        result = cli(*command, env=_env(fake))
        assert result.exit_code == 1, result.output
        assert f"HTTP 302: the answer is a redirect to {elsewhere.url}/sso?next=/connectors" in (
            result.stderr
        )
        assert elsewhere.requests == []
        assert len(fake.requests) == 1  # a redirect is final: not retried


def test_the_json_envelope_names_a_redirect(cli: CliRunner, fake: FakeConnect) -> None:
    fake.inject(
        method="GET", path="/connectors", status=308, body=b"", headers={"Location": "/v2/"}
    )
    result = cli("status", "-o", "json", env=_env(fake))
    assert result.exit_code == 1
    [error] = result.json["errors"]
    assert error["type"] == "Redirected"
    assert error["http_status"] == 308
    assert "redirect to /v2/" in error["message"]
    json.dumps(result.json)  # the envelope stays serialisable
