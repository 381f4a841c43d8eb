"""A FAILED trace in `status`, `describe` and `apply --wait`: the first lines, the last of them
given to the deepest `Caused by:` line (the root cause), redacted and with control characters
escaped; JSON gives the whole trace, redacted.

tests/fixtures/traces/ holds task traces captured from a real 4.3.1 worker (tests/stack):
`file-sink-folder-missing.txt`, a FileStreamSink whose file's folder does not exist (the fake
gives the same text, shortened), and `json-converter-tolerance-exceeded.txt`, a FileStreamSink
with `value.converter: JsonConverter` reading a line that is not JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kconnect.health import summarise
from tests.conftest import CliRunner
from tests.fakeconnect import FakeConnect

TRACES = Path(__file__).parent / "fixtures" / "traces"
SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"


def _trace(name: str) -> str:
    return (TRACES / name).read_text()


def test_real_converter_trace_shows_the_first_line_and_the_root_cause() -> None:
    assert summarise(_trace("json-converter-tolerance-exceeded.txt")).splitlines() == [
        "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler",
        "\tat org.apache.kafka.connect.runtime.errors.RetryWithToleranceOperator"
        ".execAndHandleError(RetryWithToleranceOperator.java:259)",
        "Caused by: com.fasterxml.jackson.core.JsonParseException: Unrecognized token 'not': "
        "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
    ]


def test_real_file_sink_trace_shows_the_missing_file() -> None:
    assert summarise(_trace("file-sink-folder-missing.txt")).splitlines() == [
        "org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file "
        "'/nonexistent-w22/out.txt' for FileStreamSinkTask",
        "\tat org.apache.kafka.connect.file.FileStreamSinkTask.start(FileStreamSinkTask.java:74)",
        "Caused by: java.nio.file.NoSuchFileException: /nonexistent-w22/out.txt",
    ]


@pytest.mark.parametrize(
    ("trace", "expected"),
    [
        # No cause, or one already within the budget: the first lines, as they are.
        ("E: x\n\tat a(A.java:1)\n\tat b(B.java:2)\n\tat c(C.java:3)", [0, 1, 2]),
        ("E: x\nCaused by: F: y\n\tat a(A.java:1)\n\tat b(B.java:2)", [0, 1, 2]),
        # A suppressed exception's causes are indented: not the main chain's root cause.
        (
            "E: x\n\tat a(A.java:1)\n\tat b(B.java:2)\n\tSuppressed: S: z\n\tCaused by: G: w",
            [0, 1, 2],
        ),
        ("E: x\n\tat a(A.java:1)\n\tat b(B.java:2)\nCaused by: F: y\n\tat c(C.java:3)", [0, 1, 3]),
        ("E: x", [0]),
    ],
)
def test_summary_lines(trace: str, expected: list[int]) -> None:
    lines = trace.splitlines()
    assert summarise(trace) == "\n".join(lines[i] for i in expected)
    assert summarise(trace, lines=1) == lines[0]


def test_status_shows_the_root_cause_redacted_and_escaped_and_json_the_whole_trace(
    cli: CliRunner, fake: FakeConnect
) -> None:
    trace = _trace("json-converter-tolerance-exceeded.txt").replace(
        "Unrecognized token 'not'",
        "Unrecognized token 'not' \x1b]0;pwned\x07 from jdbc:mysql://app:Hunter2Secret@db/x",
    )
    fake.add_connector("s", {"connector.class": SINK, "topics": "t", "file": "/tmp/s.out"})
    fake.fail_task("s", 0, trace)
    env = {"KCONNECT_URL": fake.url}
    status = cli("status", env=env)
    assert status.exit_code == 3, status.output
    assert "Hunter2Secret" not in status.output
    assert "\x1b" not in status.output
    lines = status.stdout.splitlines()
    first = lines.index(
        "      org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler"
    )
    assert lines[first + 2].startswith(
        "      Caused by: com.fasterxml.jackson.core.JsonParseException: Unrecognized token "
        "'not' \\x1b]0;pwned from jdbc:mysql://app:********@db/x: was expecting"
    )
    assert "Caused by: org.apache.kafka.connect.errors.DataException" not in status.stdout

    described = cli("describe", "s", env=env)
    assert described.exit_code == 0, described.output
    assert "    Caused by: com.fasterxml.jackson.core.JsonParseException" in described.stdout
    assert "JsonConverter.toConnectData" not in described.stdout  # not the whole trace

    doc = cli("status", "-o", "json", env=env)
    full = doc.json["data"]["connectors"][0]["tasks"][0]["trace"]
    assert full == trace.replace("Hunter2Secret", "********")
    assert "Caused by: org.apache.kafka.connect.errors.DataException" in full
    described_json = cli("describe", "s", "-o", "json", env=env)
    assert described_json.json["data"]["status"]["tasks"][0]["trace"] == full


def test_apply_wait_failure_shows_the_root_cause(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    bad = "/nonexistent-kconnect-dir/out.txt"
    (tmp_path / "s.yaml").write_text(
        f"name: s\nconfig:\n  connector.class: {SINK}\n  tasks.max: 1\n  topics: t\n  file: {bad}\n"
    )
    result = cli(
        "apply", str(tmp_path), "--wait", "--timeout", "20", env={"KCONNECT_URL": fake.url}
    )
    assert result.exit_code == 3, result.output
    assert (
        f"      Caused by: java.nio.file.NoSuchFileException: {bad}" in result.stdout.splitlines()
    )
    # The progress line in a log: the trace in one line, first line and root cause.
    assert (
        "✗ s failed: connector RUNNING, tasks 0:FAILED — org.apache.kafka.connect.errors."
        f"ConnectException: Couldn't find or create file '{bad}' for FileStreamSinkTask … "
        f"Caused by: java.nio.file.NoSuchFileException: {bad} ("
    ) in result.stderr


def test_reconcile_log_line_names_the_root_cause(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    config = {"connector.class": SINK, "tasks.max": "1", "topics": "t", "file": "/tmp/s.out"}
    fake.add_connector("s", config)
    fake.fail_task("s", 0, _trace("json-converter-tolerance-exceeded.txt"))
    (tmp_path / "s.yaml").write_text(
        "name: s\nconfig:\n" + "".join(f"  {k}: {v}\n" for k, v in config.items())
    )
    result = cli("reconcile", str(tmp_path), "--once", env={"KCONNECT_URL": fake.url})
    assert result.exit_code == 3, result.output
    assert (
        "WARNING [cycle 1] s: connector RUNNING, task 0 FAILED: org.apache.kafka.connect.errors."
        "ConnectException: Tolerance exceeded in error handler … Caused by: com.fasterxml.jackson"
        ".core.JsonParseException: Unrecognized token 'not': was expecting (JSON String, Number, "
        "Array, Object or token 'null', 'true' or 'false')"
    ) in result.stdout
    lines = cli("reconcile", str(tmp_path), "--once", "-o", "json", env={"KCONNECT_URL": fake.url})
    [event] = [
        e for e in map(json.loads, lines.stdout.splitlines()) if e.get("event") == "unhealthy"
    ]
    assert event["trace"].endswith(
        " … Caused by: com.fasterxml.jackson.core.JsonParseException: "
        "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token "
        "'null', 'true' or 'false')"
    )
